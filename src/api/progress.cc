#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace tokenfab::api {

Progress::Progress(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), drawing_(enabled && total > 0 && isatty(2) == 1) {
  if (drawing_) Draw("");
}

Progress::~Progress() {
  if (drawing_) std::fputs("\r\033[K", stderr);
}

void Progress::Advance(const std::string& what) {
  ++done_;
  if (drawing_) Draw(what);
}

void Progress::Set(size_t done) {
  done_ = done;
  if (drawing_) Draw("");
}

void Progress::Draw(const std::string& what) {
  constexpr size_t kWidth = 30;
  const size_t filled = total_ == 0 ? kWidth : std::min(kWidth, done_ * kWidth / total_);
  std::fputs(fmt::format("\r\033[K{} [{}{}] {}/{} {}", label_, std::string(filled, '#'),
                         std::string(kWidth - filled, ' '), done_, total_, what)
                 .c_str(),
             stderr);
  std::fflush(stderr);
}

}  // namespace tokenfab::api
