// YamlObject: typed, located reads of one YAML mapping (see yaml_value.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "tokenfab/base/input_file.h"
#include "tokenfab/base/limits.h"
#include "tokenfab/base/location.h"
#include "tokenfab/base/suggest.h"
#include "tokenfab/catalog/yaml_value.h"

namespace tokenfab {
namespace {

const std::vector<std::string> kWrapperKeys = {"value", "source", "assumption", "status", "note"};
const std::vector<std::string> kStatuses = {"primary", "secondary", "derived", "unconfirmed"};

YAML::Node Lookup(const YAML::Node& map, std::string_view key) {
  const YAML::Node& const_map = map;  // const operator[] never inserts
  return const_map[std::string(key)];
}

// A mapping key must be a plain, non-null scalar (a name); `? [a, b]` and `~:` are errors.
void CheckKey(const std::string& file, const YAML::Node& key) {
  if (!key.IsScalar()) {
    throw InputError(
        LocationOf(file, key), "",
        key.IsNull() ? "a key is empty or null" : "a key must be a name, not a list or mapping",
        "write 'name: value'; quote a key such as \"~\" that YAML reads as null");
  }
  if (key.Scalar().empty()) {
    throw InputError(LocationOf(file, key), "", "a key is empty", "write 'name: value'");
  }
}

// True when the quoted scalar starting at `pos` has its closing quote. yaml-cpp 0.7 accepts a
// double- or single-quoted scalar that runs to the end of the file.
bool QuoteClosed(std::string_view text, size_t pos) {
  const char quote = text[pos];
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped quote
      } else {
        return true;
      }
    }
  }
  return false;
}

void CheckScalar(const std::string& file, std::string_view text, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (node.Tag() != "!" || mark.pos < 0 || static_cast<size_t>(mark.pos) >= text.size()) return;
  const char c = text[mark.pos];
  if ((c == '"' || c == '\'') && !QuoteClosed(text, mark.pos)) {
    throw InputError(LocationOf(file, node), "", "unterminated quoted string",
                     fmt::format("close the string with {}", c));
  }
}

// Walks the document once: every mapping key is a name, every quote is closed, and the number
// of values (aliases expanded) stays within limits::kMaxYamlNodes. Iterative, so deep nesting
// cannot overflow the stack.
void CheckDocument(const std::string& file, std::string_view text, const YAML::Node& root) {
  std::vector<YAML::Node> stack = {root};
  int64_t visited = 0;
  while (!stack.empty()) {
    const YAML::Node node = stack.back();
    stack.pop_back();
    if (++visited > limits::kMaxYamlNodes) {
      throw InputError({file, 0, 0}, "",
                       fmt::format("more than {} values (aliases expanded)", limits::kMaxYamlNodes),
                       "a tokenfab file holds far fewer; check for recursive aliases (*name)");
    }
    if (node.IsScalar()) {
      CheckScalar(file, text, node);
    } else if (node.IsSequence()) {
      for (const YAML::Node& item : node) stack.push_back(item);
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        CheckKey(file, it->first);
        CheckScalar(file, text, it->first);
        stack.push_back(it->second);
      }
    }
  }
}

// Records where the first node of a document starts (for the "second document" error). The
// events themselves are dropped: only whether a second document exists matters.
class DocumentProbe : public YAML::EventHandler {
 public:
  bool seen = false;
  YAML::Mark first;
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { Note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Note(m);
  }
  void OnMapEnd() override {}

 private:
  void Note(const YAML::Mark& m) {
    if (!seen) first = m;
    seen = true;
  }
};

// Throws when `text` holds a second YAML document. yaml-cpp 0.7's LoadAll never ends on some
// inputs (a lone ",": found by fuzz_chip), so the parser is asked for two documents at most.
void CheckSingleDocument(const std::string& file, const std::string& text) {
  std::stringstream in(text);
  YAML::Parser parser(in);
  DocumentProbe one, two;
  if (!parser.HandleNextDocument(one) || !parser.HandleNextDocument(two)) return;
  const bool known = two.seen && two.first.line >= 0;
  throw InputError({file, known ? two.first.line + 1 : 0, known ? two.first.column + 1 : 0}, "",
                   "a second YAML document; a tokenfab file holds one",
                   "delete the '---' line and what follows, or split the file in two");
}

// JSON files get JSON's error messages (YAML reads JSON, but reports its errors in YAML terms).
void CheckJson(const std::string& file, const std::string& text) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    static_cast<void>(parsed);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(LocationAtOffset(file, text, e.byte > 0 ? e.byte - 1 : 0), "",
                     std::string("invalid JSON: ") + e.what(),
                     "a .json file must be valid JSON (or rename it .yaml)");
  }
}

std::string WholeNumberPhrase(int min) {
  if (min == 1) return "a positive whole number";
  if (min == 0) return "a non-negative whole number";
  return fmt::format("a whole number >= {}", min);
}

}  // namespace

YamlObject::YamlObject(std::string file, YAML::Node node, std::string path, Provenance provenance)
    : file_(std::move(file)),
      node_(std::move(node)),
      path_(std::move(path)),
      provenance_(provenance),
      origins_(std::make_shared<std::vector<ValueOrigin>>()) {
  if (!node_.IsMap()) {
    throw InputError(LocationOf(file_, node_), path_, "expected a mapping of keys to values",
                     "write one 'key: value' per line");
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) CheckKey(file_, it->first);
}

YamlObject YamlObject::FromString(const std::string& text, const std::string& file,
                                  Provenance provenance) {
  if (file.ends_with(".json")) CheckJson(file, text);
  std::optional<YAML::Node> parsed;
  try {
    parsed.emplace(YAML::Load(text));
    CheckSingleDocument(file, text);
  } catch (const YAML::Exception& e) {
    const bool known = e.mark.line >= 0;
    throw InputError({file, known ? e.mark.line + 1 : 0, known ? e.mark.column + 1 : 0}, "",
                     "invalid YAML: " + e.msg);
  }
  const YAML::Node& root = *parsed;
  if (!root.IsDefined() || root.IsNull()) {
    throw InputError({file, 1, 1}, "", "the file is empty", "write one 'key: value' per line");
  }
  CheckDocument(file, text, root);
  return YamlObject(file, root, "", provenance);
}

YamlObject YamlObject::FromFile(const std::string& file, Provenance provenance) {
  // Only regular files of sane size (base/input_file.h): a device such as /dev/zero never ends.
  const InputFileProblem problem = CheckInputFile(file, kMaxInputFileBytes);
  if (problem == InputFileProblem::kNotRegular) {
    throw InputError({file, 0, 0}, "", "not a regular file", "give the path of a .yaml file");
  }
  if (problem == InputFileProblem::kTooLarge) {
    throw InputError({file, 0, 0}, "",
                     fmt::format("the file is larger than {} MiB", kMaxInputFileBytes >> 20),
                     "tokenfab files are a few KB; check the path");
  }
  std::ifstream in;
  if (problem == InputFileProblem::kNone) in.open(file);
  if (!in.is_open()) throw InputError({file, 0, 0}, "", "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return FromString(text.str(), file, provenance);
}

void YamlObject::CheckKeys(const std::vector<std::string>& allowed) const {
  std::vector<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw InputError(LocationOf(file_, it->first), KeyPath(key), "duplicate key",
                       "each key may appear once; delete one of them");
    }
    seen.push_back(key);
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint = DidYouMean(key, allowed);
    if (hint.empty()) hint = "allowed keys: " + fmt::format("{}", fmt::join(allowed, ", "));
    throw InputError(LocationOf(file_, it->first), KeyPath(key), "unknown key", hint);
  }
}

bool YamlObject::has(std::string_view key) const { return Lookup(node_, key).IsDefined(); }

std::vector<std::string> YamlObject::keys() const {
  std::vector<std::string> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.as<std::string>());
  return out;
}

std::string YamlObject::KeyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Node YamlObject::ValueNode(std::string_view key) const {
  YAML::Node v = Lookup(node_, key);
  if (!v.IsDefined()) return v;
  if (v.IsMap() && Lookup(v, "value").IsDefined()) return Lookup(v, "value");
  return v;
}

SourceLocation YamlObject::where(std::string_view key) const {
  const YAML::Node v = ValueNode(key);
  return LocationOf(file_, v.IsDefined() ? v : node_);
}

InputError YamlObject::ErrorAt(std::string_view key, std::string message, std::string hint) const {
  return InputError(where(key), KeyPath(key), std::move(message), std::move(hint));
}

std::string YamlObject::ReadSources(const std::string& key_path, const YAML::Node& source) const {
  std::vector<YAML::Node> items;
  if (source.IsSequence()) {
    for (const YAML::Node& s : source) items.push_back(s);
  } else {
    items.push_back(source);
  }
  std::string out;
  for (const YAML::Node& s : items) {
    if (!s.IsScalar() || s.Scalar().empty()) {
      throw InputError(LocationOf(file_, s), key_path + ".source",
                       "expected a reference key such as 'klockwood_h100'",
                       "reference keys are defined in data/references.yaml");
    }
    const std::string& name = s.Scalar();
    if (known_sources_ != nullptr &&
        std::find(known_sources_->begin(), known_sources_->end(), name) == known_sources_->end()) {
      const std::string suggestion = DidYouMean(name, *known_sources_);
      throw InputError(LocationOf(file_, s), key_path + ".source",
                       fmt::format("unknown reference '{}'", name),
                       (suggestion.empty() ? "" : suggestion + " ") +
                           "(references are defined in data/references.yaml)");
    }
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

void YamlObject::ExtractProvenance(const YAML::Node& holder, const std::string& key_path,
                                   ValueOrigin* origin) const {
  if (const YAML::Node s = Lookup(holder, "source"); s.IsDefined()) {
    origin->source = ReadSources(key_path, s);
  }
  if (const YAML::Node a = Lookup(holder, "assumption"); a.IsDefined()) {
    origin->assumption = a.IsScalar() ? a.Scalar() : "";
    if (origin->assumption.empty()) {
      throw InputError(LocationOf(file_, a), key_path + ".assumption",
                       "expected a sentence stating the assumption");
    }
  }
  if (const YAML::Node n = Lookup(holder, "note"); n.IsDefined() && n.IsScalar()) {
    origin->note = n.Scalar();
  }
  if (Lookup(holder, "status").IsDefined()) {
    YamlObject status_reader(file_, holder, key_path, Provenance::kOptional);
    origin->status = status_reader.Choice("status", kStatuses);
  }
}

void YamlObject::ReadProvenance(std::string_view key, const YAML::Node& wrapper,
                                ValueOrigin* origin) const {
  YamlObject(file_, wrapper, KeyPath(key), provenance_).CheckKeys(kWrapperKeys);
  ExtractProvenance(wrapper, KeyPath(key), origin);
}

void YamlObject::RecordOwnProvenance(std::string value_text) {
  ValueOrigin origin;
  origin.key = path_;
  origin.value_text = std::move(value_text);
  origin.numeric = true;
  origin.line = LocationOf(file_, node_).line;
  ExtractProvenance(node_, path_, &origin);
  origins_->push_back(origin);
}

std::optional<std::string> YamlObject::ReadScalar(std::string_view key, bool required,
                                                  bool numeric) {
  const YAML::Node raw = Lookup(node_, key);
  if (!raw.IsDefined()) {
    if (!required) return std::nullopt;
    throw InputError(LocationOf(file_, node_), KeyPath(key), "missing required key",
                     fmt::format("add '{}: ...'", key));
  }
  ValueOrigin origin;
  origin.key = KeyPath(key);
  origin.numeric = numeric;
  // Never assign one YAML::Node to another: yaml-cpp's operator= rebinds the shared node.
  const YAML::Node value = raw.IsMap() ? Lookup(raw, "value") : raw;
  if (raw.IsMap()) {
    if (!value.IsDefined()) {
      throw InputError(LocationOf(file_, raw), KeyPath(key), "missing 'value:'",
                       "write { value: ..., source: ... }");
    }
    ReadProvenance(key, raw, &origin);
  }
  if (!value.IsScalar() || value.Scalar().empty()) {
    throw InputError(LocationOf(file_, value), KeyPath(key), "expected a single value",
                     numeric ? "write a number, with its unit where it has one" : "");
  }
  origin.value_text = value.Scalar();
  origin.line = LocationOf(file_, value).line;
  origins_->push_back(origin);
  return value.Scalar();
}

std::optional<double> YamlObject::ReadQuantity(std::string_view key, Dimension d, bool required) {
  const std::optional<std::string> text = ReadScalar(key, required, true);
  if (!text) return std::nullopt;
  std::string error, hint;
  const std::optional<double> v = ParseQuantity(*text, d, &error, &hint);
  if (!v) throw ErrorAt(key, error, hint);
  return v;
}

std::optional<double> YamlObject::FindNumber(std::string_view key, double min, double max) {
  const std::optional<double> v = ReadQuantity(key, Dimension::kNumber, false);
  if (v && (*v < min || *v > max)) {
    throw ErrorAt(key, fmt::format("expected a number from {} to {}, got '{}'", min, max,
                                   ValueNode(key).Scalar()));
  }
  return v;
}

double YamlObject::Number(std::string_view key, double min, double max) {
  if (!has(key)) ReadScalar(key, true, true);  // throws "missing required key"
  return *FindNumber(key, min, max);
}

std::optional<int> YamlObject::FindInteger(std::string_view key, int min, int max) {
  const std::optional<double> v = ReadQuantity(key, Dimension::kNumber, false);
  if (!v) return std::nullopt;
  if (*v != std::floor(*v) || *v < min) {
    throw ErrorAt(
        key, fmt::format("expected {}, got '{}'", WholeNumberPhrase(min), ValueNode(key).Scalar()));
  }
  if (*v > max) {
    throw ErrorAt(
        key,
        fmt::format("{} is out of range: expected {} to {}", ValueNode(key).Scalar(), min, max),
        "the ranges of every key are in docs/inputs.md");
  }
  return static_cast<int>(*v);
}

int YamlObject::Integer(std::string_view key, int min, int max) {
  if (!has(key)) ReadScalar(key, true, true);
  return *FindInteger(key, min, max);
}

std::optional<bool> YamlObject::FindBool(std::string_view key) {
  const std::optional<std::string> text = ReadScalar(key, false, false);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  throw ErrorAt(key, fmt::format("expected true or false, got '{}'", *text));
}

bool YamlObject::Bool(std::string_view key) {
  if (!has(key)) ReadScalar(key, true, false);
  return *FindBool(key);
}

std::optional<std::string> YamlObject::FindString(std::string_view key) {
  return ReadScalar(key, false, false);
}

std::string YamlObject::String(std::string_view key) { return *ReadScalar(key, true, false); }

std::optional<std::string> YamlObject::FindChoice(std::string_view key,
                                                  const std::vector<std::string>& choices) {
  const std::optional<std::string> text = ReadScalar(key, false, false);
  if (!text || std::find(choices.begin(), choices.end(), *text) != choices.end()) return text;
  std::string hint = DidYouMean(*text, choices);
  if (hint.empty()) hint = fmt::format("use one of {}", fmt::join(choices, ", "));
  throw ErrorAt(key, fmt::format("unknown value '{}'", *text), hint);
}

std::string YamlObject::Choice(std::string_view key, const std::vector<std::string>& choices) {
  if (!has(key)) ReadScalar(key, true, false);
  return *FindChoice(key, choices);
}

YamlObject YamlObject::Child(std::string_view key) const {
  const YAML::Node v = Lookup(node_, key);
  if (!v.IsDefined()) {
    throw InputError(LocationOf(file_, node_), KeyPath(key), "missing required key",
                     fmt::format("add '{}:' with its entries", key));
  }
  YamlObject child(file_, v, KeyPath(key), provenance_);
  child.origins_ = origins_;
  child.known_sources_ = known_sources_;
  return child;
}

}  // namespace tokenfab
