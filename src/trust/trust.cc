#include "tokenfab/trust/trust.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "tokenfab/base/error.h"

namespace tokenfab {
namespace {

std::string Capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// Split-conformal order statistic (Vovk et al. 2005; Lei et al. 2018, eq. 2): the
// ceil((n+1)q)-th smallest of n sorted values, clamped to the sample.
double OrderStatistic(const std::vector<double>& sorted, double q) {
  const int n = static_cast<int>(sorted.size());
  int k = static_cast<int>(std::ceil((n + 1) * q));
  k = std::clamp(k, 1, n);
  return sorted[k - 1];
}

struct Interval {
  double lo = 1, hi = 1;  // ratio bounds
  int cases = 0;
  std::set<std::string> sources;
};

Interval Quantiles(const std::vector<const TrustCase*>& cases, double nominal) {
  Interval iv;
  if (cases.empty()) return iv;
  std::vector<double> r;
  for (const TrustCase* c : cases) {
    r.push_back(c->ratio);
    iv.sources.insert(c->source);
  }
  std::sort(r.begin(), r.end());
  const double tail = (1 - nominal) / 2;
  // Lower bound: the mirror of the upper order statistic.
  std::vector<double> neg(r.rbegin(), r.rend());
  for (double& x : neg) x = -x;
  iv.lo = -OrderStatistic(neg, 1 - tail);
  iv.hi = OrderStatistic(r, 1 - tail);
  iv.cases = static_cast<int>(r.size());
  return iv;
}

std::string MoeName(bool moe) { return moe ? "moe" : "dense"; }

std::string ExactCellName(const TrustRegime& r) {
  return fmt::format("{}/{}/{}", r.kind, r.family, MoeName(r.moe));
}

double MedianRatio(std::vector<double> r) {
  std::sort(r.begin(), r.end());
  const size_t n = r.size();
  return n % 2 == 1 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
}

TrustCellRow CellRow(std::string name, const std::vector<const TrustCase*>& cases) {
  TrustCellRow row;
  row.cell = std::move(name);
  std::vector<double> ratios;
  std::set<std::string> sources;
  for (const TrustCase* c : cases) {
    ratios.push_back(c->ratio);
    sources.insert(c->source);
  }
  row.cases = static_cast<int>(cases.size());
  row.sources = static_cast<int>(sources.size());
  row.median = ratios.empty() ? 0 : MedianRatio(ratios) - 1;
  return row;
}

}  // namespace

TrustRegime RegimeOn(const std::string& kind, const Cluster& cluster, bool moe, int cp) {
  TrustRegime r;
  r.kind = kind;
  r.family = std::string(ChipFamilyName(cluster.chip.family));
  r.moe = moe;
  r.gpus = cluster.gpus;
  r.cp = cp;
  return r;
}

std::string DescribeRegime(const TrustRegime& r) {
  const bool model = r.kind == "training" || r.kind == "serving";
  std::string s = model ? (r.moe ? "MoE " : "dense ") + r.kind : r.kind;
  if (!r.family.empty()) s += " on " + Capitalised(r.family);
  if (r.gpus > 0) s += fmt::format(", {} GPU{}", r.gpus, r.gpus == 1 ? "" : "s");
  if (r.cp > 1) s += fmt::format(", CP {}", r.cp);
  return s;
}

TrustTable::TrustTable(std::vector<TrustCase> cases, double nominal)
    : cases_(std::move(cases)), nominal_(nominal) {}

TrustBand TrustTable::Band(const TrustRegime& r) const {
  TrustBand b;
  b.nominal = nominal_;
  b.regime = DescribeRegime(r);
  std::vector<const TrustCase*> kind, family, exact, cp;
  for (const TrustCase& c : cases_) {
    if (c.regime.kind != r.kind) continue;
    kind.push_back(&c);
    if (r.kind == "training" && c.regime.cp > 1) cp.push_back(&c);
    if (c.regime.family != r.family) continue;
    family.push_back(&c);
    if (c.regime.moe == r.moe) exact.push_back(&c);
  }
  if (kind.empty()) return b;  // unknown
  // The most specific cell with enough cases.
  const std::vector<const TrustCase*>* cell = &kind;
  b.cell = r.kind;
  if (static_cast<int>(exact.size()) >= kMinCases) {
    cell = &exact;
    b.cell = ExactCellName(r);
  } else if (static_cast<int>(family.size()) >= kMinCases) {
    cell = &family;
    b.cell = fmt::format("{}/{}", r.kind, r.family);
  }
  Interval iv = Quantiles(*cell, nominal_);
  // Context parallelism: the envelope with the CP > 1 training cases.
  if (r.cp > 1 && static_cast<int>(cp.size()) >= kMinCases) {
    const Interval c = Quantiles(cp, nominal_);
    iv.lo = std::min(iv.lo, c.lo);
    iv.hi = std::max(iv.hi, c.hi);
    iv.cases += c.cases;
    iv.sources.insert(c.sources.begin(), c.sources.end());
    b.cell += " + training/cp>1";
  }
  // Validated ground.
  if (family.empty() && !r.family.empty()) {
    b.caveat = fmt::format("no published {} case on {}", r.kind, Capitalised(r.family));
  } else if (exact.empty() && r.kind != "factory") {
    b.caveat = fmt::format("no published {} {} case on {}", r.moe ? "MoE" : "dense", r.kind,
                           Capitalised(r.family));
  } else if (r.gpus > 0) {
    double nearest = 0;
    for (const TrustCase* c : family) {
      if (c->regime.gpus <= 0) continue;
      const double f = std::max<double>(c->regime.gpus, r.gpus) / std::min(c->regime.gpus, r.gpus);
      if (nearest == 0 || f < nearest) nearest = f;
    }
    if (nearest > kGroundFactor) {
      b.caveat = fmt::format("no published case within {:g}x of {} GPUs", kGroundFactor, r.gpus);
    }
  }
  if (!b.caveat.empty()) {
    // Doubled in log space about the median of the band.
    b.extrapolation = true;
    const double mid = std::sqrt(iv.lo * iv.hi);
    iv.lo = mid * std::pow(iv.lo / mid, 2);
    iv.hi = mid * std::pow(iv.hi / mid, 2);
  }
  b.lo = iv.lo - 1;
  b.hi = iv.hi - 1;
  b.cases = iv.cases;
  b.sources = static_cast<int>(iv.sources.size());
  return b;
}

std::vector<TrustCellRow> TrustCells(const TrustTable& t) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const TrustCase*>> cells;
  std::map<std::string, TrustRegime> regimes;
  std::vector<const TrustCase*> cp;
  for (const TrustCase& c : t.cases()) {
    const std::string name = ExactCellName(c.regime);
    if (cells.count(name) == 0) {
      order.push_back(name);
      TrustRegime r = c.regime;
      r.gpus = 0;
      r.cp = 1;
      regimes[name] = r;
    }
    cells[name].push_back(&c);
    if (c.regime.kind == "training" && c.regime.cp > 1) cp.push_back(&c);
  }
  std::vector<TrustCellRow> rows;
  for (const std::string& name : order) {
    TrustCellRow row = CellRow(name, cells[name]);
    row.band = t.Band(regimes[name]);
    rows.push_back(std::move(row));
  }
  if (!cp.empty()) {
    TrustCellRow row = CellRow("training/cp>1", cp);
    row.cp_envelope = true;
    const Interval iv = Quantiles(cp, t.nominal());
    row.band.nominal = t.nominal();
    row.band.cell = row.cell;
    row.band.regime = "training with CP > 1, all families";
    if (row.cases >= kMinCases) {
      row.band.lo = iv.lo - 1;
      row.band.hi = iv.hi - 1;
      row.band.cases = iv.cases;
      row.band.sources = static_cast<int>(iv.sources.size());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CoverageRow> LeaveOneSourceOut(const std::vector<TrustCase>& cases, double nominal) {
  std::map<std::string, CoverageRow> rows;
  for (const TrustCase& held : cases) {
    CoverageRow& row = rows[held.source];
    if (row.cases == 0) {
      row.source = held.source;
      std::vector<TrustCase> rest;
      for (const TrustCase& c : cases) {
        if (c.source != held.source) rest.push_back(c);
      }
      const TrustTable t(std::move(rest), nominal);
      for (const TrustCase& c : cases) {
        if (c.source != held.source) continue;
        ++row.cases;
        const TrustBand b = t.Band(c.regime);
        if (b.known() && b.Contains(c.ratio)) ++row.covered;
      }
    }
  }
  std::vector<CoverageRow> out;
  for (auto& [_, row] : rows) out.push_back(row);
  return out;
}

std::string TrustFile(const std::string& data_dir) { return data_dir + "/trust/bands.yaml"; }

TrustBand TrustFor(const std::string& data_dir, const TrustRegime& r) {
  return LoadTrustTable(TrustFile(data_dir)).Band(r);
}

TrustTable ParseTrustYaml(const std::string& text, const std::string& file) {
  try {
    const YAML::Node doc = YAML::Load(text);
    std::vector<TrustCase> cases;
    for (const YAML::Node& n : doc["cases"]) {
      TrustCase c;
      c.key = n["key"].as<std::string>();
      c.source = n["source"].as<std::string>();
      c.regime.kind = n["kind"].as<std::string>();
      c.regime.family = n["family"].as<std::string>("");
      c.regime.moe = n["moe"].as<bool>(false);
      c.regime.gpus = n["gpus"].as<int>(0);
      c.regime.cp = n["cp"].as<int>(1);
      c.ratio = n["ratio"].as<double>();
      if (!(c.ratio > 0) || !std::isfinite(c.ratio)) {
        throw InputError({file, n.Mark().line + 1, n.Mark().column + 1}, "ratio",
                         "a positive finite ratio", "regenerate: tokenfab validate --write-bands");
      }
      cases.push_back(std::move(c));
    }
    return TrustTable(std::move(cases), doc["nominal"].as<double>(0.8));
  } catch (const YAML::Exception& e) {
    throw InputError({file, e.mark.line + 1, e.mark.column + 1}, "cases", e.what(),
                     "regenerate: tokenfab validate --write-bands");
  }
}

const TrustTable& LoadTrustTable(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<TrustTable>> cache;
  const std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[path];
  if (!slot) {
    std::ifstream in(path);
    if (!in) {
      slot = std::make_unique<TrustTable>();
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      slot = std::make_unique<TrustTable>(ParseTrustYaml(ss.str(), path));
    }
  }
  return *slot;
}

std::string WriteTrustYaml(const TrustTable& t) {
  std::string out =
      "# Generated by `tokenfab validate --write-bands` (make bands) from the validation "
      "residuals\n"
      "# of tests/validation/published: do not edit. ratio = published / predicted, as a rate\n"
      "# (a time or GPU-hour figure inverted). Bands are computed from these cases when loaded\n"
      "# (include/tokenfab/trust/trust.h; docs/trust.md).\n";
  out += fmt::format("nominal: {}\ncases:\n", t.nominal());
  for (const TrustCase& c : t.cases()) {
    out += fmt::format(
        "  - {{ key: \"{}\", source: \"{}\", kind: {}, family: \"{}\", moe: {}, gpus: {}, cp: {}, "
        "ratio: {:.4f} }}\n",
        c.key, c.source, c.regime.kind, c.regime.family, c.regime.moe ? "true" : "false",
        c.regime.gpus, c.regime.cp, c.ratio);
  }
  return out;
}

}  // namespace tokenfab
