// A progress bar on stderr for CLI work that can take more than a second. It draws only when
// stderr is a terminal and the command prints text (not --format json), and erases itself when
// done, so pipes, files and goldens never see it. Not thread-safe: update from one thread.
//
// Example:
//   Progress bar("validate", suites.size(), format != "json");
//   for (...) { ...; bar.Advance(name); }
#ifndef TOKENFAB_API_PROGRESS_H_
#define TOKENFAB_API_PROGRESS_H_

#include <cstddef>
#include <string>

namespace tokenfab::api {

class Progress {
 public:
  Progress(std::string label, size_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One more step done; `what` names the step just finished.
  void Advance(const std::string& what = "");
  // `done` steps of the total are done.
  void Set(size_t done);
  bool drawing() const { return drawing_; }

 private:
  void Draw(const std::string& what);
  std::string label_;
  size_t total_;
  size_t done_ = 0;
  bool drawing_;
};

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_PROGRESS_H_
