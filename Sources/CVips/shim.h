// libvips, as Facet calls it. libvips's operations take their options as C variadic arguments,
// which Swift cannot call; each wrapper here names the options Facet uses and nothing else.
#ifndef FACET_CVIPS_SHIM_H
#define FACET_CVIPS_SHIM_H

#include <vips/vips.h>

/// Starts libvips once per process. Loaders that libvips marks untrusted (ImageMagick, PDF,
/// SVG, …) are blocked: uploaded bytes reach only the vetted decoders. libvips's own operation
/// cache is off, since Facet caches finished variants on disk.
static void facet_vips_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
    (void) domain; (void) level; (void) message; (void) data;
}

/// Also silences libvips's warnings (a damaged upload's "error in tile"): the caller is told
/// through the error that follows, and a server's log is no place for every client's broken file.
static inline int facet_vips_start(void) {
    if (VIPS_INIT("facet")) return -1;
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, facet_vips_quiet, NULL);
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    /* liborc's generated vector code is freed by whichever thread drops the last reference, and
       two threads freeing at once crash in orc_code_free: about one demo seed in fifteen, while
       catalogue pictures were painted on every core. libvips's plain C paths are used instead. */
    vips_vector_set_enabled(FALSE);
    return 0;
}

/// Whether libvips runs liborc's vector code (off once started).
static inline int facet_vips_vector_enabled(void) { return vips_vector_isenabled(); }

/// The last error libvips recorded on this thread, cleared once read (the caller copies it).
static inline const char *facet_vips_error(void) { return vips_error_buffer(); }
static inline void facet_vips_error_clear(void) { vips_error_clear(); }

/// The loader libvips would use for these bytes (`jpegload_buffer`, …), or NULL.
static inline const char *facet_vips_loader(const void *data, size_t length) {
    return vips_foreign_find_load_buffer(data, length);
}

/// The image in `data` (which must outlive it), read header first: pixels are decoded only when
/// an operation asks for them. A truncated or corrupt file fails instead of decoding what it can.
static inline VipsImage *facet_vips_open(const void *data, size_t length) {
    return vips_image_new_from_buffer(data, length, "", "fail_on", VIPS_FAIL_ON_ERROR, NULL);
}

/// An 8-bit image made from pixels (`bands` bytes each, row by row), copied.
static inline VipsImage *facet_vips_from_pixels(const void *data, size_t length, int width, int height, int bands) {
    VipsImage *image = vips_image_new_from_memory_copy(data, length, width, height, bands, VIPS_FORMAT_UCHAR);
    if (image && bands >= 3) image->Type = VIPS_INTERPRETATION_sRGB;
    if (image && bands < 3) image->Type = VIPS_INTERPRETATION_B_W;
    return image;
}

/// The image in `data` scaled to `width` × `height` in one step: upright (EXIF orientation), in
/// sRGB, and decoded at a fraction of its size where the format allows (a JPEG shrinks on load),
/// which makes a thumbnail of a large photograph several times cheaper than decoding it whole.
/// `force` gives exactly that size; otherwise the image fits within it and is never enlarged.
static inline VipsImage *facet_vips_thumbnail(const void *data, size_t length, int width, int height, int force) {
    VipsImage *out = NULL;
    return vips_thumbnail_buffer((void *) data, length, &out, width, "height", height,
                                 "size", force ? VIPS_SIZE_FORCE : VIPS_SIZE_DOWN, "fail_on", VIPS_FAIL_ON_ERROR,
                                 "option_string", "fail_on=error", NULL) ? NULL : out;
}

static inline void facet_vips_release(VipsImage *image) { if (image) g_object_unref(image); }
static inline void facet_vips_free(void *memory) { g_free(memory); }

static inline int facet_vips_width(VipsImage *image) { return vips_image_get_width(image); }
static inline int facet_vips_height(VipsImage *image) { return vips_image_get_height(image); }
static inline int facet_vips_bands(VipsImage *image) { return vips_image_get_bands(image); }
static inline int facet_vips_has_alpha(VipsImage *image) { return vips_image_hasalpha(image); }
/// The EXIF orientation (1 to 8), 1 when the image has none.
static inline int facet_vips_orientation(VipsImage *image) {
    int orientation = 1;
    if (vips_image_get_typeof(image, VIPS_META_ORIENTATION) && vips_image_get_int(image, VIPS_META_ORIENTATION, &orientation)) return 1;
    return orientation;
}

/// The names of the image's metadata fields; free with g_strfreev.
static inline char **facet_vips_field_names(VipsImage *image) { return vips_image_get_fields(image); }
static inline void facet_vips_free_names(char **names) { g_strfreev(names); }
/// A metadata field as text; free with g_free. NULL when it cannot be read.
static inline char *facet_vips_field_text(VipsImage *image, const char *name) {
    char *text = NULL;
    if (vips_image_get_as_string(image, name, &text)) return NULL;
    return text;
}

static inline VipsImage *facet_vips_autorotate(VipsImage *in) {
    VipsImage *out = NULL;
    return vips_autorot(in, &out, NULL) ? NULL : out;
}

/// sRGB, 8 bits per band: what every encoder and every pixel reader here expects.
static inline VipsImage *facet_vips_srgb(VipsImage *in) {
    VipsImage *rgb = NULL, *out = NULL;
    if (vips_colourspace(in, &rgb, VIPS_INTERPRETATION_sRGB, NULL)) return NULL;
    int failed = vips_cast(rgb, &out, VIPS_FORMAT_UCHAR, NULL);
    g_object_unref(rgb);
    return failed ? NULL : out;
}

static inline VipsImage *facet_vips_resize(VipsImage *in, double horizontal, double vertical) {
    VipsImage *out = NULL;
    return vips_resize(in, &out, horizontal, "vscale", vertical, "kernel", VIPS_KERNEL_LANCZOS3, NULL) ? NULL : out;
}

static inline VipsImage *facet_vips_extract(VipsImage *in, int left, int top, int width, int height) {
    VipsImage *out = NULL;
    return vips_extract_area(in, &out, left, top, width, height, NULL) ? NULL : out;
}

/// Crops to `width` × `height` keeping the most interesting part (entropy when `entropy` is
/// non-zero, else the centre).
static inline VipsImage *facet_vips_smartcrop(VipsImage *in, int width, int height, int entropy) {
    VipsImage *out = NULL;
    VipsInteresting how = entropy ? VIPS_INTERESTING_ENTROPY : VIPS_INTERESTING_CENTRE;
    return vips_smartcrop(in, &out, width, height, "interesting", how, NULL) ? NULL : out;
}

/// Places the image at (`left`, `top`) on a `width` × `height` canvas of the colour given
/// (one value per band of the image).
static inline VipsImage *facet_vips_embed(VipsImage *in, int left, int top, int width, int height, const double *colour, int bands) {
    VipsImage *out = NULL;
    VipsArrayDouble *background = vips_array_double_new(colour, bands);
    int failed = vips_embed(in, &out, left, top, width, height, "extend", VIPS_EXTEND_BACKGROUND, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return failed ? NULL : out;
}

/// Removes the alpha band, blending onto the colour given (three values).
static inline VipsImage *facet_vips_flatten(VipsImage *in, const double *colour) {
    VipsImage *out = NULL;
    VipsArrayDouble *background = vips_array_double_new(colour, 3);
    int failed = vips_flatten(in, &out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return failed ? NULL : out;
}

static inline VipsImage *facet_vips_add_alpha(VipsImage *in) {
    VipsImage *out = NULL;
    return vips_addalpha(in, &out, NULL) ? NULL : out;
}

static inline VipsImage *facet_vips_flip(VipsImage *in, int horizontal) {
    VipsImage *out = NULL;
    return vips_flip(in, &out, horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL, NULL) ? NULL : out;
}

static inline VipsImage *facet_vips_blur(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    return vips_gaussblur(in, &out, sigma, NULL) ? NULL : out;
}

static inline VipsImage *facet_vips_sharpen(VipsImage *in, double sigma) {
    VipsImage *out = NULL;
    return vips_sharpen(in, &out, "sigma", sigma, NULL) ? NULL : out;
}

/// Drops every band after the first `count`.
static inline VipsImage *facet_vips_first_bands(VipsImage *in, int count) {
    VipsImage *out = NULL;
    return vips_extract_band(in, &out, 0, "n", count, NULL) ? NULL : out;
}

/// The smallest value of band `band` over the whole image (decodes every pixel).
static inline int facet_vips_band_minimum(VipsImage *in, int band, double *minimum) {
    VipsImage *one = NULL;
    if (vips_extract_band(in, &one, band, NULL)) return -1;
    int failed = vips_min(one, minimum, NULL);
    g_object_unref(one);
    return failed;
}

/// The image rendered into memory once, so that several operations on it decode the file once.
static inline VipsImage *facet_vips_in_memory(VipsImage *in) { return vips_image_copy_memory(in); }

static void facet_vips_watch_deadline(VipsImage *image, VipsProgress *progress, void *unused) {
    (void) progress; (void) unused;
    gint64 deadline = (gint64) (intptr_t) g_object_get_data(G_OBJECT(image), "facet-deadline");
    if (deadline > 0 && g_get_monotonic_time() > deadline) vips_image_set_kill(image, TRUE);
}

/// Stops the evaluation of `image` once `microseconds` have passed (libvips then fails the
/// write with "killed"), so that no request holds a worker past its time limit.
static inline void facet_vips_limit_time(VipsImage *image, long long microseconds) {
    g_object_set_data(G_OBJECT(image), "facet-deadline", (gpointer) (intptr_t) (g_get_monotonic_time() + microseconds));
    vips_image_set_progress(image, TRUE);
    g_signal_connect(image, "eval", G_CALLBACK(facet_vips_watch_deadline), NULL);
}

/// Encodes the image. `format` is jpeg, png, webp or gif; `quality` 1–100 for the lossy
/// formats; `progressive` makes an interlaced JPEG or PNG. Metadata is stripped: it can carry
/// a location the uploader never meant to publish. Free `*data` with facet_vips_free.
static inline int facet_vips_encode(VipsImage *in, const char *format, int quality, int progressive, void **data, size_t *length) {
    if (!strcmp(format, "jpeg"))
        return vips_jpegsave_buffer(in, data, length, "Q", quality, "interlace", progressive, "strip", TRUE,
                                    "optimize_coding", TRUE, NULL);
    if (!strcmp(format, "png"))
        return vips_pngsave_buffer(in, data, length, "interlace", progressive, "strip", TRUE, "compression", 6, NULL);
    if (!strcmp(format, "webp"))
        return vips_webpsave_buffer(in, data, length, "Q", quality, "strip", TRUE, NULL);
    if (!strcmp(format, "gif"))
        return vips_gifsave_buffer(in, data, length, "strip", TRUE, NULL);
    vips_error("facet", "no encoder for %s", format);
    return -1;
}

/// The pixels of an 8-bit image, row by row; free with facet_vips_free.
static inline void *facet_vips_pixels(VipsImage *in, size_t *length) {
    return vips_image_write_to_memory(in, length);
}

#endif
