// The pipeline file reader (see pipeline.h for the format) and the length distributions.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "tokenfab/base/input_file.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"
#include "tokenfab/pipeline/pipeline.h"
#include "tokenfab/scenario/args.h"

namespace tokenfab {

Distribution Distribution::Fixed(double v) {
  Distribution d;
  d.a = v;
  d.lo = d.hi = v;
  d.text = fmt::format("{:g}", v);
  return d;
}

double Distribution::Sample(std::mt19937_64& rng) const {
  double x = a;
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kUniform:
      x = std::uniform_real_distribution<double>(a, b)(rng);
      break;
    case Kind::kNormal:
      x = std::normal_distribution<double>(a, b)(rng);
      break;
    case Kind::kLognormal:
      x = std::lognormal_distribution<double>(std::log(a), b)(rng);
      break;
    case Kind::kExponential:
      x = std::exponential_distribution<double>(1 / a)(rng);
      break;
    case Kind::kEmpirical:
      x = samples[std::uniform_int_distribution<size_t>(0, samples.size() - 1)(rng)];
      break;
  }
  return std::clamp(x, lo, hi);
}

// The mean of the clamped distribution; normal and lognormal by a 2,000-point quadrature of the
// quantile function (exact enough for the allocation search, which only ranks stages).
double Distribution::Mean() const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kUniform:
      return 0.5 * (a + b);
    case Kind::kEmpirical: {
      double s = 0;
      for (double v : samples) s += v;
      return s / samples.size();
    }
    case Kind::kExponential: {
      // E[clamp(X, lo, hi)] of X ~ Exp(mean a) by the same quadrature of the quantile
      // -a ln(1 - p).
      const int n = 2000;
      double s = 0;
      for (int i = 0; i < n; ++i) s += std::clamp(-a * std::log(1 - (i + 0.5) / n), lo, hi);
      return s / n;
    }
    case Kind::kNormal:
    case Kind::kLognormal: {
      const int n = 2000;
      double s = 0;
      for (int i = 0; i < n; ++i) {
        const double p = (i + 0.5) / n;
        // Acklam-free inverse: z from the complementary error function by bisection.
        double lo_z = -9, hi_z = 9;
        for (int k = 0; k < 60; ++k) {
          const double mid = 0.5 * (lo_z + hi_z);
          (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo_z : hi_z) = mid;
        }
        const double z = 0.5 * (lo_z + hi_z);
        const double x = kind == Kind::kNormal ? a + b * z : a * std::exp(b * z);
        s += std::clamp(x, lo, hi);
      }
      return s / n;
    }
  }
  return a;
}

namespace {

using Kind = Distribution::Kind;

[[noreturn]] void Fail(const std::string& file, const YAML::Node& node, const std::string& key,
                       const std::string& what, const std::string& hint = "") {
  throw InputError(LocationOf(file, node), key, what, hint);
}

// A plain number, or a quantity of `dim` written with its unit ("2 s", "1.5 MW").
double ReadNumber(const std::string& file, const YAML::Node& node, const std::string& key,
                  Dimension dim, double min, double max) {
  if (!node.IsScalar()) Fail(file, node, key, "expected " + DescribeDimension(dim));
  const std::string text = node.Scalar();
  double v = 0;
  char* end = nullptr;
  v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    std::string error, hint;
    const std::optional<double> q = ParseQuantity(text, dim, &error, &hint);
    if (!q) Fail(file, node, key, error, hint);
    v = *q;
  }
  if (!std::isfinite(v) || v < min || v > max) {
    Fail(file, node, key,
         fmt::format("expected a value from {:g} to {:g}, got '{}'", min, max, text));
  }
  return v;
}

void CheckKeys(const std::string& file, const YAML::Node& map, const std::string& path,
               const std::vector<std::string>& allowed) {
  for (const auto& kv : map) {
    const std::string k = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      Fail(file, kv.first, path.empty() ? k : path + "." + k, "unknown key",
           DidYouMean(k, allowed));
    }
  }
}

std::vector<double> ReadCsvColumn(const std::string& file, const YAML::Node& where,
                                  const std::string& key, const std::string& path,
                                  const std::string& column, double min, double max) {
  std::string full = path;
  const size_t slash = file.rfind('/');
  if (!path.empty() && path[0] != '/' && slash != std::string::npos) {
    std::error_code missing;  // (not an open: opening a FIFO would block)
    if (!std::filesystem::exists(path, missing)) {
      full = file.substr(0, slash + 1) + path;  // relative to the pipeline file
    }
  }
  // ReadInputFile's guard (a regular file of bounded size), reported at the pipeline's key.
  std::string text;
  try {
    text = ReadInputFile(full, DisplayPath(full), fmt::format("'{}'", path), uintmax_t{256} << 20);
  } catch (const InputError& e) {
    Fail(file, where, key, e.message(), e.hint());
  }
  std::istringstream in(text);
  std::string line;
  int col = -1, row = 0;
  std::vector<double> out;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (col < 0) {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == column) col = static_cast<int>(i);
      }
      if (col < 0) {
        throw InputError({DisplayPath(full), row, 1}, column, "no such column in the header",
                         DidYouMean(column, cells));
      }
      continue;
    }
    char* end = nullptr;
    const double v =
        col < static_cast<int>(cells.size()) ? std::strtod(cells[col].c_str(), &end) : 0;
    if (col >= static_cast<int>(cells.size()) || end == cells[col].c_str() || !std::isfinite(v) ||
        v < min || v > max) {
      throw InputError({DisplayPath(full), row, 1}, column,
                       fmt::format("expected a number from {:g} to {:g}", min, max));
    }
    out.push_back(v);
    if (out.size() > 10'000'000) {
      throw InputError({DisplayPath(full), row, 1}, column, "more than 10,000,000 rows");
    }
  }
  if (out.empty()) Fail(file, where, key, fmt::format("'{}' has no rows", path));
  return out;
}

// fixed (a scalar), {uniform: [a, b]}, {normal: {mean, sd}}, {lognormal: {median, sigma}},
// {exponential: {mean}},
// {csv: FILE, column: NAME}; parametric forms take optional min and max (clamps).
Distribution ReadDistribution(const std::string& file, const YAML::Node& node,
                              const std::string& key, Dimension dim, double min, double max) {
  Distribution d;
  const double dmin = min;
  if (node.IsScalar()) {
    d = Distribution::Fixed(ReadNumber(file, node, key, dim, min, max));
    d.text = node.Scalar();
    return d;
  }
  if (!node.IsMap()) {
    Fail(file, node, key, "expected a value or a distribution",
         "e.g. 512, {uniform: [256, 1024]}, {lognormal: {median: 300, sigma: 0.6}}");
  }
  CheckKeys(file, node, key,
            {"uniform", "normal", "lognormal", "exponential", "csv", "column", "min", "max"});
  // min and max may stand beside the form or inside its mapping.
  std::optional<YAML::Node> lo_node, hi_node;
  if (node["min"]) lo_node = node["min"];
  if (node["max"]) hi_node = node["max"];
  for (const char* form : {"normal", "lognormal", "exponential"}) {
    if (node[form] && node[form].IsMap()) {
      if (node[form]["min"]) lo_node = node[form]["min"];
      if (node[form]["max"]) hi_node = node[form]["max"];
    }
  }
  d.lo = lo_node ? ReadNumber(file, *lo_node, key + ".min", dim, min, max) : dmin;
  d.hi = hi_node ? ReadNumber(file, *hi_node, key + ".max", dim, min, max) : max;
  std::ostringstream text;
  if (const YAML::Node u = node["uniform"]) {
    if (!u.IsSequence() || u.size() != 2) Fail(file, u, key + ".uniform", "expected [min, max]");
    d.kind = Kind::kUniform;
    d.a = ReadNumber(file, u[0], key + ".uniform", dim, min, max);
    d.b = ReadNumber(file, u[1], key + ".uniform", dim, min, max);
    if (d.b < d.a) Fail(file, u, key + ".uniform", "expected min <= max");
    d.lo = std::max(d.lo, d.a);
    d.hi = std::min(d.hi, d.b);
    text << "uniform " << u[0].Scalar() << ".." << u[1].Scalar();
  } else if (const YAML::Node n = node["normal"]) {
    if (!n.IsMap()) Fail(file, n, key + ".normal", "expected {mean: M, sd: S}");
    CheckKeys(file, n, key + ".normal", {"mean", "sd", "min", "max"});
    if (!n["mean"] || !n["sd"]) Fail(file, n, key + ".normal", "expected {mean: M, sd: S}");
    d.kind = Kind::kNormal;
    d.a = ReadNumber(file, n["mean"], key + ".normal.mean", dim, min, max);
    d.b = ReadNumber(file, n["sd"], key + ".normal.sd", dim, 0, max);
    if (!hi_node) d.hi = std::min(max, d.a + 4 * d.b);
    text << "normal " << n["mean"].Scalar() << " sd " << n["sd"].Scalar();
  } else if (const YAML::Node l = node["lognormal"]) {
    if (!l.IsMap()) Fail(file, l, key + ".lognormal", "expected {median: M, sigma: S}");
    CheckKeys(file, l, key + ".lognormal", {"median", "sigma", "min", "max"});
    if (!l["median"] || !l["sigma"]) {
      Fail(file, l, key + ".lognormal", "expected {median: M, sigma: S}");
    }
    d.kind = Kind::kLognormal;
    d.a = ReadNumber(file, l["median"], key + ".lognormal.median", dim, std::max(min, 1e-9), max);
    d.b = ReadNumber(file, l["sigma"], key + ".lognormal.sigma", Dimension::kNumber, 0, 5);
    if (!hi_node) d.hi = std::min(max, d.a * std::exp(4 * d.b));
    text << "lognormal median " << l["median"].Scalar() << " sigma " << l["sigma"].Scalar();
  } else if (const YAML::Node x = node["exponential"]) {
    if (!x.IsMap() || !x["mean"]) Fail(file, x, key + ".exponential", "expected {mean: M}");
    CheckKeys(file, x, key + ".exponential", {"mean", "min", "max"});
    d.kind = Kind::kExponential;
    d.a = ReadNumber(file, x["mean"], key + ".exponential.mean", dim, std::max(min, 1e-9), max);
    if (!hi_node) d.hi = std::min(max, d.a * 10);
    text << "exponential mean " << x["mean"].Scalar();
  } else if (const YAML::Node c = node["csv"]) {
    if (!c.IsScalar()) Fail(file, c, key + ".csv", "expected a CSV file path");
    if (!node["column"] || !node["column"].IsScalar()) {
      Fail(file, node, key + ".column", "missing the CSV column to read", "add column: NAME");
    }
    d.kind = Kind::kEmpirical;
    d.samples = ReadCsvColumn(file, c, key + ".csv", c.Scalar(), node["column"].Scalar(), min, max);
    d.lo = std::max(d.lo, *std::min_element(d.samples.begin(), d.samples.end()));
    d.hi = std::min(d.hi, *std::max_element(d.samples.begin(), d.samples.end()));
    text << "empirical " << c.Scalar() << ":" << node["column"].Scalar() << " (" << d.samples.size()
         << " rows)";
  } else {
    Fail(file, node, key, "expected one of uniform, normal, lognormal, exponential or csv");
  }
  if (d.lo > d.hi) Fail(file, node, key, "min is above max");
  if (lo_node) text << " min " << lo_node->Scalar();
  if (hi_node) text << " max " << hi_node->Scalar();
  d.text = text.str();
  return d;
}

constexpr double kMaxTokens = 1 << 24;
constexpr size_t kMaxStages = 1000;

struct Reader {
  std::string file;
  PipelineSpec spec;
  std::map<std::string, int> index;
  std::vector<std::string> names;

  // The stage `node` names; a missing key is reported at `parent`, the map that lacks it.
  int StageOf(const YAML::Node& node, const std::string& key, const YAML::Node& parent) const {
    if (!node) Fail(file, parent, key, "missing: expected a stage name");
    if (!node.IsScalar()) Fail(file, node, key, "expected a stage name");
    auto it = index.find(node.Scalar());
    if (it == index.end()) {
      Fail(file, node, key, fmt::format("no stage '{}'", node.Scalar()),
           DidYouMean(node.Scalar(), names));
    }
    return it->second;
  }

  StageDeployment Deployment(const YAML::Node& node, const std::string& key) {
    StageDeployment d;
    if (node.IsScalar() && node.Scalar() == "search") {
      d.search = true;
      return d;
    }
    if (!node.IsMap()) {
      Fail(file, node, key, "expected a deployment mapping or 'search'",
           "e.g. {system: dgx-h100, gpus: 8, tp: 8} or search");
    }
    CheckKeys(file, node, key,
              {"system", "gpus", "tp", "pp", "ep", "dp", "precision", "kv_precision", "max_batch",
               "chunk", "pinned"});
    auto integer = [&](const char* k, int lo, int hi, int fallback) {
      if (!node[k]) return fallback;
      return static_cast<int>(ReadNumber(file, node[k], key + "." + k, Dimension::kNumber, lo, hi));
    };
    if (node["system"]) d.system = node["system"].Scalar();
    if (const YAML::Node pin = node["pinned"]) {
      if (!pin.IsScalar() || (pin.Scalar() != "true" && pin.Scalar() != "false")) {
        Fail(file, pin, key + ".pinned", "expected true or false");
      }
      d.pinned = pin.Scalar() == "true";
      if (d.pinned && node["gpus"].IsDefined() == false) {
        Fail(file, pin, key + ".pinned", "a pinned deployment needs its gpus");
      }
    }
    d.gpus = integer("gpus", 1, kMaxPipelineGpus, 0);
    d.tp = integer("tp", 1, kMaxPipelineGpus, 0);
    d.pp = integer("pp", 1, kMaxPipelineGpus, 1);
    d.ep = integer("ep", 1, kMaxPipelineGpus, 1);
    d.dp = integer("dp", 1, kMaxPipelineGpus, 1);
    // One instance spans tp x pp x dp GPUs (serve.h); each is at most 1e5, so the product fits.
    if (const int64_t per = int64_t{std::max(1, d.tp)} * d.pp * d.dp; per > kMaxPipelineGpus) {
      Fail(file, node, key,
           fmt::format("an instance of tp x pp x dp = {} GPUs is more than the limit of {}", per,
                       kMaxPipelineGpus),
           "lower tp, pp or dp");
    }
    d.max_batch = integer("max_batch", 1, limits::kMaxGlobalBatch, 0);
    d.chunk = integer("chunk", 0, limits::kMaxSequence, 0);
    for (const char* k : {"precision", "kv_precision"}) {
      if (!node[k]) continue;
      const std::string v = node[k].Scalar();
      if (!ParsePrecision(v)) {
        Fail(file, node[k], key + "." + k, fmt::format("unknown precision '{}'", v),
             DidYouMean(v, {"bf16", "fp16", "fp8", "fp4", "int8", "int4"}));
      }
      (std::string(k) == "precision" ? d.precision : d.kv_precision) = v;
    }
    return d;
  }

  void Stages(const YAML::Node& node) {
    if (!node || !node.IsMap() || node.size() == 0) {
      Fail(file, node ? node : YAML::Node(), "stages", "expected a mapping of stages by name",
           "stages: {generate: {model: llama-3.1-70b, deployment: {...}, isl: 1024, osl: 256}}");
    }
    if (node.size() > kMaxStages) {
      Fail(file, node, "stages", fmt::format("more than {} stages", kMaxStages));
    }
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      if (index.count(name)) Fail(file, kv.first, "stages." + name, "stage named twice");
      index[name] = static_cast<int>(names.size());
      names.push_back(name);
    }
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      const std::string key = "stages." + name;
      const YAML::Node s = kv.second;
      if (!s.IsMap()) Fail(file, s, key, "expected a stage mapping");
      CheckKeys(file, s, key,
                {"model", "deployment", "isl", "osl", "context", "prefix_cache", "kv_offload"});
      StageSpec st;
      st.name = name;
      st.where = LocationOf(file, kv.first);
      if (!s["model"] || !s["model"].IsScalar()) {
        Fail(file, s, key + ".model", "missing the model", "e.g. model: llama-3.1-70b");
      }
      st.model = s["model"].Scalar();
      if (!s["deployment"]) {
        Fail(file, s, key + ".deployment", "missing the deployment",
             "e.g. deployment: {system: dgx-h100, gpus: 8, tp: 8}, or deployment: search");
      }
      st.deploy = Deployment(s["deployment"], key + ".deployment");
      if (!s["isl"]) Fail(file, s, key + ".isl", "missing the input length", "e.g. isl: 1024");
      if (!s["osl"]) {
        Fail(file, s, key + ".osl", "missing the output length",
             "e.g. osl: 256 (osl: 0 for an embedding model or a reranker)");
      }
      st.isl = ReadDistribution(file, s["isl"], key + ".isl", Dimension::kNumber, 1, kMaxTokens);
      st.osl = ReadDistribution(file, s["osl"], key + ".osl", Dimension::kNumber, 0, kMaxTokens);
      for (const char* k : {"context", "prefix_cache"}) {
        if (!s[k]) continue;
        if (!s[k].IsScalar() || (s[k].Scalar() != "true" && s[k].Scalar() != "false")) {
          Fail(file, s[k], key + "." + k, "expected true or false");
        }
        (std::string(k) == "context" ? st.context : st.prefix_cache) = s[k].Scalar() == "true";
      }
      if (const YAML::Node o = s["kv_offload"]) {
        const std::string v = o.IsScalar() ? o.Scalar() : "";
        if (v != "host" && v != "nvme" && v != "none") {
          Fail(file, o, key + ".kv_offload", "expected host, nvme or none",
               "host: idle KV to host memory; nvme: then to NVMe; none: HBM only");
        }
        st.tiers.host = v != "none";
        st.tiers.nvme = v == "nvme";
      }
      spec.stages.push_back(std::move(st));
    }
  }

  void Edges(const YAML::Node& node) {
    if (!node) return;
    if (!node.IsSequence()) Fail(file, node, "edges", "expected a list of edges");
    if (node.size() > 100 * kMaxStages) {
      Fail(file, node, "edges", fmt::format("more than {} edges", 100 * kMaxStages));
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node e = node[i];
      const std::string key = fmt::format("edges[{}]", i);
      if (!e.IsMap()) Fail(file, e, key, "expected {from: A, to: B, ...}");
      CheckKeys(file, e, key, {"from", "to", "probability", "fanout", "tool", "loop"});
      EdgeSpec ed;
      ed.where = LocationOf(file, e);
      ed.from = StageOf(e["from"], key + ".from", e);
      ed.to = StageOf(e["to"], key + ".to", e);
      if (e["probability"]) {
        ed.probability =
            ReadNumber(file, e["probability"], key + ".probability", Dimension::kNumber, 0, 1);
      }
      if (e["fanout"]) {
        ed.fanout = static_cast<int>(
            ReadNumber(file, e["fanout"], key + ".fanout", Dimension::kNumber, 1, 1024));
      }
      if (const YAML::Node t = e["tool"]) {
        if (!t.IsMap()) Fail(file, t, key + ".tool", "expected {latency: T, tokens: N}");
        CheckKeys(file, t, key + ".tool", {"latency", "tokens"});
        ed.has_tool = true;
        ed.tool_latency = t["latency"] ? ReadDistribution(file, t["latency"], key + ".tool.latency",
                                                          Dimension::kTime, 0, 86400)
                                       : Distribution::Fixed(0);
        ed.tool_tokens = t["tokens"] ? ReadDistribution(file, t["tokens"], key + ".tool.tokens",
                                                        Dimension::kNumber, 0, kMaxTokens)
                                     : Distribution::Fixed(0);
      }
      if (const YAML::Node l = e["loop"]) {
        if (!l.IsMap() || !l["iterations"]) {
          Fail(file, l, key + ".loop", "expected {iterations: N or a distribution}",
               "e.g. loop: {iterations: {uniform: [5, 20]}}");
        }
        CheckKeys(file, l, key + ".loop", {"iterations"});
        ed.loop = true;
        ed.iterations = ReadDistribution(file, l["iterations"], key + ".loop.iterations",
                                         Dimension::kNumber, 1, 100000);
      }
      spec.edges.push_back(std::move(ed));
    }
  }

  void Classes(const YAML::Node& node) {
    if (!node) {
      ClassSpec c;
      c.name = "all";
      c.context = Distribution::Fixed(0);
      spec.classes.push_back(c);
      return;
    }
    if (!node.IsSequence() || node.size() == 0) {
      Fail(file, node, "classes", "expected a list of request classes",
           "e.g. classes: [{name: chat, share: 1, entry: embed}]");
    }
    if (node.size() > kMaxStages) {
      Fail(file, node, "classes", fmt::format("more than {} classes", kMaxStages));
    }
    double total = 0;
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node c = node[i];
      const std::string key = fmt::format("classes[{}]", i);
      if (!c.IsMap()) Fail(file, c, key, "expected {name: N, share: S, entry: STAGE}");
      CheckKeys(file, c, key, {"name", "share", "entry", "slo", "context", "max_context"});
      ClassSpec cl;
      cl.name = c["name"] ? c["name"].Scalar() : fmt::format("class{}", i);
      if (!IsValidUtf8(cl.name)) Fail(file, c["name"], key + ".name", "expected UTF-8 text");
      cl.share =
          c["share"] ? ReadNumber(file, c["share"], key + ".share", Dimension::kNumber, 0, 1) : 1;
      total += cl.share;
      cl.entry = c["entry"] ? StageOf(c["entry"], key + ".entry", c) : 0;
      if (c["slo"])
        cl.slo = Secs(ReadNumber(file, c["slo"], key + ".slo", Dimension::kTime, 0, 86400));
      cl.context = c["context"] ? ReadDistribution(file, c["context"], key + ".context",
                                                   Dimension::kNumber, 0, kMaxTokens)
                                : Distribution::Fixed(0);
      if (c["max_context"]) {
        cl.max_context = ReadNumber(file, c["max_context"], key + ".max_context",
                                    Dimension::kNumber, 1, kMaxTokens);
      }
      spec.classes.push_back(cl);
    }
    if (std::abs(total - 1) > 1e-6) {
      Fail(file, node, "classes", fmt::format("the shares add up to {:g}, not 1", total));
    }
  }

  void Load(const YAML::Node& node) {
    if (!node) return;
    if (!node.IsMap()) Fail(file, node, "load", "expected {qps: R, requests: N, seed: S}");
    CheckKeys(file, node, "load", {"qps", "requests", "seed"});
    if (node["qps"])
      spec.load.qps = ReadNumber(file, node["qps"], "load.qps", Dimension::kNumber, 1e-6, 1e7);
    if (node["requests"]) {
      spec.load.requests = static_cast<int>(ReadNumber(
          file, node["requests"], "load.requests", Dimension::kNumber, 1, limits::kMaxRequests));
    }
    if (node["seed"]) {
      spec.load.seed = static_cast<uint64_t>(
          ReadNumber(file, node["seed"], "load.seed", Dimension::kNumber, 0, 2147483647));
    }
  }

  void Search(const YAML::Node& node) {
    if (!node) return;
    if (!node.IsMap()) Fail(file, node, "search", "expected {gpus: N} or {power: P} or {rate: R}");
    CheckKeys(file, node, "search", {"gpus", "power", "rate", "attainment", "system"});
    SearchSpec& s = spec.search;
    int modes = 0;
    if (node["gpus"]) {
      s.mode = SearchSpec::Mode::kGpus, ++modes;
      s.gpus = static_cast<int>(
          ReadNumber(file, node["gpus"], "search.gpus", Dimension::kNumber, 1, kMaxPipelineGpus));
    }
    if (node["power"]) {
      s.mode = SearchSpec::Mode::kPower, ++modes;
      s.power = Watt(ReadNumber(file, node["power"], "search.power", Dimension::kPower, 1, 1e8));
    }
    if (node["rate"]) {
      s.mode = SearchSpec::Mode::kRate, ++modes;
      s.rate =
          ReadNumber(file, node["rate"], "search.rate", Dimension::kNumber, 1e-6, kMaxPipelineRate);
    }
    if (modes != 1) {
      Fail(
          file, node, "search", "expected exactly one of gpus, power or rate",
          "gpus: N (best split of N GPUs), power: 2 MW, or rate: R (smallest cluster for R req/s)");
    }
    if (node["attainment"]) {
      s.attainment =
          ReadNumber(file, node["attainment"], "search.attainment", Dimension::kNumber, 0.5, 1);
    }
    if (node["system"]) s.system = node["system"].Scalar();
  }

  // Non-loop edges form a DAG; a loop edge goes back to a stage that reaches its source.
  void CheckGraph() {
    const int n = static_cast<int>(spec.stages.size());
    std::vector<std::vector<int>> out(n);
    std::vector<double> total(n, 0);
    std::vector<int> loops(n, 0);
    std::vector<std::vector<int>> out_edges(n);
    for (int k = 0; k < static_cast<int>(spec.edges.size()); ++k) {
      const EdgeSpec& e = spec.edges[k];
      if (e.loop) {
        if (++loops[e.from] > 1) {
          throw InputError(e.where, "edges", "a stage has one loop edge at most",
                           "merge the loops into one iteration count");
        }
        continue;
      }
      out[e.from].push_back(e.to);
      out_edges[e.from].push_back(k);
      total[e.from] += e.probability;
      if (total[e.from] > 1 + 1e-9) {
        throw InputError(e.where, "edges.probability",
                         fmt::format("the edges leaving '{}' have probabilities adding up to "
                                     "{:g}, more than 1",
                                     spec.stages[e.from].name, total[e.from]),
                         "outgoing edges are alternatives; use fanout for parallel calls");
      }
    }
    // Depth-first search for a cycle (depth <= kMaxStages); `back` is the edge closing it.
    std::vector<int> color(n, 0);
    int back = -1;
    std::function<bool(int)> cyclic = [&](int v) {
      color[v] = 1;
      for (int k : out_edges[v]) {
        const int w = spec.edges[k].to;
        if (color[w] == 1) back = k;
        if (color[w] == 1 || (color[w] == 0 && cyclic(w))) return true;
      }
      color[v] = 2;
      return false;
    };
    for (int v = 0; v < n; ++v) {
      if (color[v] == 0 && cyclic(v)) {
        const EdgeSpec& e = spec.edges[back];
        throw InputError(e.where, "edges",
                         fmt::format("the edges form a cycle: '{}' -> '{}' goes back",
                                     spec.stages[e.from].name, spec.stages[e.to].name),
                         "mark the edge that goes back with loop: {iterations: N}");
      }
    }
    auto reaches = [&](int from, int to) {
      std::vector<int> seen(n, 0), stack = {from};
      while (!stack.empty()) {
        const int v = stack.back();
        stack.pop_back();
        if (v == to) return true;
        if (seen[v]++) continue;
        for (int w : out[v]) stack.push_back(w);
      }
      return false;
    };
    for (const EdgeSpec& e : spec.edges) {
      if (e.loop && !reaches(e.to, e.from)) {
        throw InputError(e.where, "edges.loop",
                         fmt::format("a loop edge goes back to a stage that leads to its source; "
                                     "'{}' does not lead to '{}'",
                                     spec.stages[e.to].name, spec.stages[e.from].name));
      }
    }
    std::vector<int> reached(n, 0);
    for (const ClassSpec& c : spec.classes) {
      for (int v = 0; v < n; ++v) reached[v] |= reaches(c.entry, v);
    }
    for (int v = 0; v < n; ++v) {
      if (!reached[v]) {
        throw InputError(spec.stages[v].where, "stages." + spec.stages[v].name,
                         "no request class reaches this stage",
                         "add an edge to it, or a class with entry: " + spec.stages[v].name);
      }
    }
  }
};

}  // namespace

PipelineSpec ParsePipeline(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError({file, e.mark.line + 1, e.mark.column + 1}, "",
                     "not a valid pipeline file: " + e.msg);
  }
  if (!root.IsMap()) {
    throw InputError({file, 1, 1}, "", "a pipeline file is a mapping",
                     "start with 'tokenfab_pipeline: 1' (see docs/serving.md, Pipelines)");
  }
  Reader r{file, {}, {}, {}};
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) Fail(file, kv.first, "", "expected a key name");
  }
  CheckKeys(file, root, "",
            {"tokenfab_pipeline", "name", "slo", "load", "search", "stages", "edges", "classes"});
  const YAML::Node version = root["tokenfab_pipeline"];
  if (!version || !version.IsScalar() || version.Scalar() != std::to_string(kPipelineVersion)) {
    Fail(file, version ? version : root, "tokenfab_pipeline",
         fmt::format("this tokenfab reads pipeline version {}", kPipelineVersion),
         "start the file with 'tokenfab_pipeline: 1'");
  }
  r.spec.file = file;
  r.spec.name = root["name"] ? root["name"].Scalar() : "pipeline";
  if (!IsValidUtf8(r.spec.name)) Fail(file, root["name"], "name", "expected UTF-8 text");
  if (root["slo"])
    r.spec.slo = Secs(ReadNumber(file, root["slo"], "slo", Dimension::kTime, 0, 86400));
  r.Stages(root["stages"]);
  r.Edges(root["edges"]);
  r.Classes(root["classes"]);
  r.Load(root["load"]);
  r.Search(root["search"]);
  r.CheckGraph();
  return r.spec;
}

PipelineSpec LoadPipeline(const std::string& path) {
  return ParsePipeline(ReadInputFile(path, DisplayPath(path), "the pipeline file"),
                       DisplayPath(path));
}

}  // namespace tokenfab
