#include "tokenfab/perf/software.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "tokenfab/base/error.h"
#include "tokenfab/base/suggest.h"

namespace tokenfab {

namespace {

// The effect on one value: a scale multiplies it, a value replaces it.
double Applied(double v, const SoftwareEffect& e) { return e.scale ? v * e.value : e.value; }

// A kernel key (hw/software.h IsKernelKey) is a fact of the engine, not a calibration: the release
// sets it on every family, and adds it where the family profile has no such key.
void ApplyKernelEffect(EfficiencyProfile& out, const SoftwareRelease& release,
                       const SoftwareEffect& e) {
  auto s = out.scalars.find(e.key);
  if (s == out.scalars.end() && e.scale) {
    throw InputError({release.file, 0, 0},
                     fmt::format("releases.{}.effects.{}.{}", release.name, e.feature, e.key),
                     fmt::format("'{}' is a kernel key that no efficiency profile carries; a "
                                 "multiplier has nothing to scale",
                                 e.key),
                     "give the engine's value as a plain number, e.g. { value: 128, source: ... }");
  }
  if (s == out.scalars.end())
    s = out.scalars.emplace(e.key, e.value).first;
  else
    s->second = Applied(s->second, e);
}

}  // namespace

EfficiencyProfile ApplySoftware(const EfficiencyProfile& profile, const SoftwareRelease& release) {
  EfficiencyProfile out = profile;
  const bool measured_on_family =
      release.families.empty() || std::find(release.families.begin(), release.families.end(),
                                            profile.family) != release.families.end();
  for (const SoftwareEffect& e : release.effects) {
    if (IsKernelKey(e.key)) {
      ApplyKernelEffect(out, release, e);
      continue;
    }
    if (!measured_on_family) continue;
    if (auto s = out.scalars.find(e.key); s != out.scalars.end()) {
      s->second = Applied(s->second, e);
      continue;
    }
    if (auto t = out.tables.find(e.key); t != out.tables.end()) {
      for (double& y : t->second.y) y = Applied(y, e);
      continue;
    }
    std::vector<std::string> keys;
    for (const auto& [k, v] : out.scalars) keys.push_back(k);
    for (const auto& [k, v] : out.tables) keys.push_back(k);
    const std::string hint = DidYouMean(e.key, keys);
    throw InputError({release.file, 0, 0},
                     fmt::format("releases.{}.effects.{}.{}", release.name, e.feature, e.key),
                     fmt::format("the {} efficiency profile has no key '{}'",
                                 ChipFamilyName(profile.family), e.key),
                     hint.empty() ? "perf/compute.h lists the efficiency keys" : hint);
  }
  return out;
}

void ApplySoftwareToCluster(const SoftwareRelease& release, Cluster& cluster) {
  cluster.efficiency = ApplySoftware(cluster.efficiency, release);
}

const SoftwareRelease* ApplyNewestSoftware(const Catalog& catalog, SoftwareKind kind,
                                           Cluster& cluster) {
  const SoftwareRelease* newest = catalog.newest_software(kind);
  if (newest != nullptr) ApplySoftwareToCluster(*newest, cluster);
  return newest;
}

namespace {

std::vector<SoftwareEffect> EffectsOf(const SoftwareRelease& r, const std::string& feature) {
  std::vector<SoftwareEffect> out;
  for (const SoftwareEffect& e : r.effects) {
    if (e.feature == feature) out.push_back(e);
  }
  return out;
}

bool SameEffects(const std::vector<SoftwareEffect>& a, const std::vector<SoftwareEffect>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].scale != b[i].scale || a[i].value != b[i].value) return false;
  }
  return true;
}

// Means of year and ln(value) of one series.
struct SeriesMean {
  double year = 0, log_value = 0;
};
SeriesMean MeanOf(const std::vector<const SoftwareHistoryPoint*>& pts) {
  SeriesMean m;
  for (const SoftwareHistoryPoint* p : pts) {
    m.year += p->year / pts.size();
    m.log_value += std::log(p->value) / pts.size();
  }
  return m;
}

}  // namespace

std::vector<std::string> DifferingFeatures(const SoftwareRelease& from, const SoftwareRelease& to) {
  std::vector<std::string> out;
  for (const std::string& f : SoftwareFeatureNames()) {
    if (from.has(f) != to.has(f) || !SameEffects(EffectsOf(from, f), EffectsOf(to, f))) {
      out.push_back(f);
    }
  }
  return out;
}

SoftwareRelease WithFeaturesOf(const SoftwareRelease& from, const SoftwareRelease& to,
                               const std::vector<std::string>& features) {
  SoftwareRelease r = from;
  for (const std::string& f : features) {
    r.features[f] = to.has(f);
    std::erase_if(r.effects, [&](const SoftwareEffect& e) { return e.feature == f; });
    for (const SoftwareEffect& e : EffectsOf(to, f)) r.effects.push_back(e);
  }
  if (!features.empty()) r.name = from.name + "+" + features.back();
  return r;
}

std::vector<SoftwareStep> DecomposeSoftwareGain(
    const SoftwareRelease& from, const SoftwareRelease& to,
    const std::function<double(const SoftwareRelease&, std::string* note)>& metric) {
  std::vector<SoftwareStep> steps;
  SoftwareStep base;
  base.value = metric(from, &base.note);
  steps.push_back(base);
  std::vector<std::string> taken;
  for (const std::string& f : DifferingFeatures(from, to)) {
    taken.push_back(f);
    SoftwareStep s;
    s.feature = f;
    s.value = metric(WithFeaturesOf(from, to, taken), &s.note);
    const double prev = steps.back().value;
    s.gain = prev > 0 && s.value > 0 ? s.value / prev : std::nan("");
    steps.push_back(s);
  }
  return steps;
}

SoftwareTrend FitSoftwareTrend(const std::vector<SoftwareHistoryPoint>& history,
                               ChipFamily family) {
  std::map<std::string, std::vector<const SoftwareHistoryPoint*>> by_series;
  for (const SoftwareHistoryPoint& p : history) {
    if (p.family == family && p.value > 0) by_series[p.series].push_back(&p);
  }
  SoftwareTrend t;
  t.family = family;
  double sxx = 0, sxy = 0;
  std::vector<double> slopes;
  bool first = true;
  for (const auto& [name, pts] : by_series) {
    if (pts.size() < 2) continue;
    const auto [mx, my] = MeanOf(pts);
    double s_xx = 0, s_xy = 0;
    for (const SoftwareHistoryPoint* p : pts) {
      s_xx += (p->year - mx) * (p->year - mx);
      s_xy += (p->year - mx) * (std::log(p->value) - my);
      t.first_year = first ? p->year : std::min(t.first_year, p->year);
      t.last_year = first ? p->year : std::max(t.last_year, p->year);
      first = false;
    }
    if (s_xx <= 0) continue;
    sxx += s_xx;
    sxy += s_xy;
    slopes.push_back(s_xy / s_xx);
    t.points += static_cast<int>(pts.size());
    ++t.series;
  }
  if (t.series == 0) return SoftwareTrend{family};
  const double g = sxy / sxx;
  // Residuals about each series' own line with the pooled slope.
  double ssr = 0;
  for (const auto& [name, pts] : by_series) {
    if (pts.size() < 2) continue;
    const auto [mx, my] = MeanOf(pts);
    for (const SoftwareHistoryPoint* p : pts) {
      const double r = std::log(p->value) - (my + g * (p->year - mx));
      ssr += r * r;
    }
  }
  const int dof = t.points - t.series - 1;
  double lo = g, hi = g;
  if (dof > 0) {
    const double se = std::sqrt(ssr / dof / sxx);
    lo = g - 1.2816 * se;  // 80% two-sided normal interval
    hi = g + 1.2816 * se;
  } else {
    lo = *std::min_element(slopes.begin(), slopes.end());
    hi = *std::max_element(slopes.begin(), slopes.end());
  }
  t.gain_per_year = std::exp(g) - 1;
  t.low = std::exp(lo) - 1;
  t.high = std::exp(hi) - 1;
  return t;
}

}  // namespace tokenfab
