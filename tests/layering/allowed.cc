// Built with perf's include folder: perf may include hw (a module below it). See
// tests/CMakeLists.txt, "Layering".
#include "tokenfab/hw/hw.h"

int LayeringAllowed() { return 0; }
