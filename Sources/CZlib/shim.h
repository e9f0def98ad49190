#ifndef ATTENTIONKIT_CZLIB_SHIM_H
#define ATTENTIONKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
