#include "sweep_mpi.h"

#include <cstdlib>

#ifdef TOKENFAB_HAVE_MPI
#include <mpi.h>
#endif

namespace tokenfab::api {
namespace {

bool LaunchedByMpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}

}  // namespace

#ifdef TOKENFAB_HAVE_MPI

MpiSession::MpiSession() {
  if (!LaunchedByMpirun()) return;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) MPI_Init(nullptr, nullptr);
  initialised_ = !already;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  if (initialised_) MPI_Finalize();
}

std::vector<std::string> MpiSession::GatherToRoot(const std::string& mine) const {
  if (size_ == 1) return {mine};
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(rank_ == 0 ? size_ : 0);
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> offsets(lengths.size());
  int total = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    offsets[i] = total;
    total += lengths[i];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
              0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (size_t i = 0; i < lengths.size(); ++i) out.push_back(all.substr(offsets[i], lengths[i]));
  return out;
}

#else  // one process, no MPI

MpiSession::MpiSession() { (void)LaunchedByMpirun; }
MpiSession::~MpiSession() = default;
std::vector<std::string> MpiSession::GatherToRoot(const std::string& mine) const { return {mine}; }

#endif

}  // namespace tokenfab::api
