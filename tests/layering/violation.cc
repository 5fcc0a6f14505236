// Built with perf's include folder: perf must not include report (a module above it), so this
// file must fail to compile. See tests/CMakeLists.txt, "Layering".
#include "tokenfab/report/train_report.h"

int LayeringViolation() { return 0; }
