// zlib, as Facet calls it: deflateInit2 and inflateInit2 are macros, which Swift cannot call.
#ifndef FACET_CZLIB_SHIM_H
#define FACET_CZLIB_SHIM_H

#include <zlib.h>

/// A deflate stream that writes the gzip format (window bits 15 + 16).
static inline int facet_gzip_deflate_start(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// An inflate stream that reads the gzip format (window bits 15 + 16).
static inline int facet_gzip_inflate_start(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
