// Optional MPI for `tokenfab sweep`: a session initialises MPI only when the process was
// launched by mpirun (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI/PMIx variables), so a plain run
// never touches MPI, and builds without MPI (TOKENFAB_HAVE_MPI unset) run as one rank. One
// session per process; not thread-safe.
//
// Example:
//   MpiSession mpi;
//   std::vector<std::string> all = mpi.GatherToRoot(my_rows_json);  // rank 0: every rank's
#ifndef TOKENFAB_API_SWEEP_MPI_H_
#define TOKENFAB_API_SWEEP_MPI_H_

#include <string>
#include <vector>

namespace tokenfab::api {

class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Each rank's string, in rank order, on rank 0; an empty vector on the others.
  std::vector<std::string> GatherToRoot(const std::string& mine) const;

 private:
  bool initialised_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace tokenfab::api

#endif  // TOKENFAB_API_SWEEP_MPI_H_
