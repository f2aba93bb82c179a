// CharLS (JPEG-LS, ITU-T T.87 | ISO/IEC 14495-1), C API. Debian package: libcharls-dev.
#include <charls/charls.h>
