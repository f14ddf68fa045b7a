/*  sq_textclass_file: saving and loading classifier models (see sq_textclass.h for the
    contract of sq_textclass_save and sq_textclass_load). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sq_log.h"
#include "sq_textclass.h"
#include "sq_textclass_model.h"

//  --------------------------------------------------------------------------
//  Model file: little-endian throughout, FNV-1a 64 checksum of everything before it.
//      magic[8] version:u32
//      ngram_min ngram_max hash_bits max_chars flags:u32  title_weight:f64
//      stop_length:u32 stop_chars[stop_length]
//      temperature:f64 (from version 3: finite, above 0, at most S_TEMPERATURE_FILE_MAX)
//      class_count:u32 { length:u32 label[length] } x class_count
//      bias:f32[class_count]
//      row_count:u32 bucket:u32[row_count] (increasing: the buckets training saw)
//      idf:f32[row_count] weights:f32[row_count * class_count]
//      checksum:u64

#define S_FLAG_DROP_PUNCTUATION 1u
#define S_FLAG_FOLD_DIGITS 2u

typedef struct {
    FILE *file;
    uint64_t checksum;
    bool failed;
} s_writer_t;

static void s_write(s_writer_t *writer, const void *data, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; i++)
        writer->checksum = (writer->checksum ^ bytes[i]) * 0x100000001B3ULL;
    if (!writer->failed && fwrite(data, 1, size, writer->file) != size)
        writer->failed = true;
}

static void s_write_u32(s_writer_t *writer, uint32_t value)
{
    unsigned char bytes[4] = {(unsigned char) value, (unsigned char) (value >> 8),
                              (unsigned char) (value >> 16), (unsigned char) (value >> 24)};
    s_write(writer, bytes, 4);
}

static void s_write_u64(s_writer_t *writer, uint64_t value)
{
    s_write_u32(writer, (uint32_t) value);
    s_write_u32(writer, (uint32_t) (value >> 32));
}

static void s_write_floats(s_writer_t *writer, const float *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, values + i, 4);
        s_write_u32(writer, bits);
    }
}

int sq_textclass_save(const sq_textclass_t *self, const char *path)
{
    //  A name of this process's own: two workers may train and save the same model at once,
    //  and each must rename a whole file of its own over path.
    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return -1;
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long) getpid());
    s_writer_t writer = {fopen(tmp, "wb"), 0xCBF29CE484222325ULL, false};
    if (!writer.file) {
        sq_error("textclass: cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    const sq_textclass_options_t *o = &self->options;
    s_write(&writer, S_MAGIC, S_MAGIC_SIZE);
    s_write_u32(&writer, S_VERSION);
    s_write_u32(&writer, (uint32_t) o->features.ngram_min);
    s_write_u32(&writer, (uint32_t) o->features.ngram_max);
    s_write_u32(&writer, (uint32_t) o->features.hash_bits);
    s_write_u32(&writer, (uint32_t) o->features.max_chars);
    s_write_u32(&writer, (o->features.drop_punctuation ? S_FLAG_DROP_PUNCTUATION : 0)
                             | (o->features.fold_digits ? S_FLAG_FOLD_DIGITS : 0));
    uint64_t weight_bits;
    memcpy(&weight_bits, &o->features.title_weight, 8);
    s_write_u64(&writer, weight_bits);
    s_write_u32(&writer, (uint32_t) strlen(o->features.stop_chars));
    s_write(&writer, o->features.stop_chars, strlen(o->features.stop_chars));
    uint64_t temperature_bits;
    memcpy(&temperature_bits, &self->temperature, 8);
    s_write_u64(&writer, temperature_bits);
    s_write_u32(&writer, (uint32_t) self->class_count);
    for (size_t c = 0; c < self->class_count; c++) {
        s_write_u32(&writer, (uint32_t) strlen(self->labels[c]));
        s_write(&writer, self->labels[c], strlen(self->labels[c]));
    }
    s_write_floats(&writer, self->bias, self->class_count);
    s_write_u32(&writer, (uint32_t) self->row_count);
    for (size_t b = 0; b < self->bucket_count; b++)
        if (self->row_of[b])
            s_write_u32(&writer, (uint32_t) b);
    s_write_floats(&writer, self->idf, self->row_count);
    s_write_floats(&writer, self->weights, self->row_count * self->class_count);
    s_write_u64(&writer, writer.checksum);
    int rc = 0;
    if (writer.failed || fflush(writer.file) || fsync(fileno(writer.file)))
        rc = -1;
    int saved_errno = errno;
    if (fclose(writer.file))
        rc = -1;
    if (rc == 0 && rename(tmp, path))
        rc = -1;
    if (rc) {
        sq_error("textclass: cannot write %s: %s", path, strerror(errno ? errno : saved_errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

typedef struct {
    const unsigned char *data;
    size_t size, at;
    bool short_read;
} s_reader_t;

static const unsigned char *s_take(s_reader_t *reader, size_t size)
{
    if (reader->short_read || size > reader->size - reader->at) {
        reader->short_read = true;
        return NULL;
    }
    reader->at += size;
    return reader->data + reader->at - size;
}

static uint32_t s_read_u32(s_reader_t *reader)
{
    const unsigned char *b = s_take(reader, 4);
    return b ? (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16
                   | (uint32_t) b[3] << 24
             : 0;
}

static uint64_t s_read_u64(s_reader_t *reader)
{
    uint64_t low = s_read_u32(reader);
    return low | (uint64_t) s_read_u32(reader) << 32;
}

//  Read count floats; -1 when short or when one is not finite.
static int s_read_floats(s_reader_t *reader, float *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = s_read_u32(reader);
        memcpy(values + i, &bits, 4);
        if (reader->short_read || !isfinite(values[i]))
            return -1;
    }
    return 0;
}

//  Read a whole file of at most S_FILE_MAX bytes into a new buffer.
static unsigned char *s_slurp(const char *path, size_t *size, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        sq_textclass_fail(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat info;
    unsigned char *data = NULL;
    if (fstat(fileno(file), &info) || !S_ISREG(info.st_mode))
        sq_textclass_fail(error, error_size, "%s: not a regular file", path);
    else if ((uint64_t) info.st_size > S_FILE_MAX)
        sq_textclass_fail(error, error_size, "%s: %lld bytes is too large for a model", path,
               (long long) info.st_size);
    else if (!(data = malloc(info.st_size ? (size_t) info.st_size : 1)))
        sq_textclass_fail(error, error_size, "%s: out of memory", path);
    else if (fread(data, 1, (size_t) info.st_size, file) != (size_t) info.st_size) {
        sq_textclass_fail(error, error_size, "%s: cannot read: %s", path, strerror(errno));
        free(data);
        data = NULL;
    }
    *size = (size_t) info.st_size;
    fclose(file);
    return data;
}

//  The rows of a model file: their count, checked against the bytes left before anything is
//  allocated, then the bucket of each, strictly increasing.  Fills why on a failure.
static void s_read_rows(s_reader_t *reader, sq_textclass_t *self, char *why, size_t why_size)
{
    uint64_t rows = s_read_u32(reader);
    uint64_t row_bytes = 4 + 4 + 4 * (uint64_t) self->class_count;
    if (reader->short_read || rows > self->bucket_count
        || rows * row_bytes > reader->size - reader->at) {
        sq_textclass_fail(why, why_size, "%llu rows do not fit the file", (unsigned long long) rows);
        return;
    }
    if (sq_textclass_model_rows(self, (size_t) rows)) {
        sq_textclass_fail(why, why_size, "out of memory");
        return;
    }
    uint64_t previous = 0;
    for (size_t r = 0; r < rows; r++) {
        uint32_t bucket = s_read_u32(reader);
        if (bucket >= self->bucket_count || (r && bucket <= previous)) {
            sq_textclass_fail(why, why_size, "row %zu has bucket %u, out of order or range", r, bucket);
            return;
        }
        self->row_of[bucket] = (uint32_t) r + 1;
        previous = bucket;
    }
}

//  Parse the model in reader (checksum already verified).  Returns NULL with error filled.
static sq_textclass_t *s_parse(s_reader_t *reader, const char *path, char *error,
                               size_t error_size)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    uint32_t version = s_read_u32(reader);
    if (version != S_VERSION && version != 2) {
        sq_textclass_fail(error, error_size, "%s: model version %u, this program reads versions 2 and %d",
               path, version, S_VERSION);
        return NULL;
    }
    options.features.ngram_min = (int) s_read_u32(reader);
    options.features.ngram_max = (int) s_read_u32(reader);
    options.features.hash_bits = (int) s_read_u32(reader);
    options.features.max_chars = (int) s_read_u32(reader);
    uint32_t flags = s_read_u32(reader);
    options.features.drop_punctuation = flags & S_FLAG_DROP_PUNCTUATION;
    options.features.fold_digits = flags & S_FLAG_FOLD_DIGITS;
    uint64_t weight_bits = s_read_u64(reader);
    memcpy(&options.features.title_weight, &weight_bits, 8);
    uint32_t stop_length = s_read_u32(reader);
    const unsigned char *stop = stop_length <= SQ_NGRAM_STOP_MAX ? s_take(reader, stop_length)
                                                                      : NULL;
    if (stop) {
        memcpy(options.features.stop_chars, stop, stop_length);
        options.features.stop_chars[stop_length] = 0;
    }
    double temperature = 1;   //  version 2 had no calibration
    if (version >= 3) {
        uint64_t temperature_bits = s_read_u64(reader);
        memcpy(&temperature, &temperature_bits, 8);
    }
    uint32_t class_count = s_read_u32(reader);
    char why[160] = "";
    if (reader->short_read)
        sq_textclass_fail(why, sizeof why, "truncated header");
    else if (!stop || memchr(options.features.stop_chars, 0, stop_length))
        sq_textclass_fail(why, sizeof why, "bad stop characters");
    else if (!(temperature > 0 && temperature <= S_TEMPERATURE_FILE_MAX))
        sq_textclass_fail(why, sizeof why, "temperature %g is not above 0 and at most %g", temperature,
               S_TEMPERATURE_FILE_MAX);
    else if (sq_textclass_options_check(&options, why, sizeof why) == 0
             && (class_count < 2 || class_count > SQ_TEXTCLASS_CLASS_MAX))
        sq_textclass_fail(why, sizeof why, "%u classes, expected 2 to %d", class_count,
               SQ_TEXTCLASS_CLASS_MAX);
    if (*why) {
        sq_textclass_fail(error, error_size, "%s: corrupt model: %s", path, why);
        return NULL;
    }
    sq_textclass_t *self = sq_textclass_model_new(&options, class_count);
    if (!self) {
        sq_textclass_fail(error, error_size, "%s: out of memory", path);
        return NULL;
    }
    for (size_t c = 0; c < class_count && !*why; c++) {
        uint32_t length = s_read_u32(reader);
        const unsigned char *label = length <= SQ_TEXTCLASS_LABEL_MAX ? s_take(reader, length)
                                                                       : NULL;
        if (!label || length == 0 || memchr(label, 0, length))
            sq_textclass_fail(why, sizeof why, "label %zu is malformed", c);
        else if (!(self->labels[c] = strndup((const char *) label, length)))
            sq_textclass_fail(why, sizeof why, "out of memory");
    }
    if (!*why && s_read_floats(reader, self->bias, class_count))
        sq_textclass_fail(why, sizeof why, "truncated or bad biases");
    if (!*why)
        s_read_rows(reader, self, why, sizeof why);
    if (!*why
        && (s_read_floats(reader, self->idf, self->row_count)
            || s_read_floats(reader, self->weights, self->row_count * class_count)))
        sq_textclass_fail(why, sizeof why, "%s",
               reader->short_read ? "truncated weights" : "a weight is not finite");
    if (!*why && reader->at != reader->size)
        sq_textclass_fail(why, sizeof why, "%zu bytes after the weights", reader->size - reader->at);
    if (*why) {
        sq_textclass_fail(error, error_size, "%s: corrupt model: %s", path, why);
        sq_textclass_destroy(&self);
        return NULL;
    }
    self->temperature = temperature;
    if (version == 2)
        sq_warn("textclass: %s is a version 2 model, without calibration: its probabilities are "
                "not calibrated; delete it (or train it again) to have them calibrated",
                path);
    return self;
}

sq_textclass_t *sq_textclass_load(const char *path, char *error, size_t error_size)
{
    size_t size;
    unsigned char *data = s_slurp(path, &size, error, error_size);
    if (!data)
        return NULL;
    sq_textclass_t *self = NULL;
    if (size < S_MAGIC_SIZE || memcmp(data, S_MAGIC, S_MAGIC_SIZE) != 0)
        sq_textclass_fail(error, error_size, "%s: not a suqiu text-class model (%s)", path,
               size == 0 ? "empty file" : "wrong magic");
    else if (size < S_MAGIC_SIZE + 4 + 8)
        sq_textclass_fail(error, error_size, "%s: corrupt model: truncated header", path);
    else {
        uint64_t checksum = 0xCBF29CE484222325ULL;
        for (size_t i = 0; i < size - 8; i++)
            checksum = (checksum ^ data[i]) * 0x100000001B3ULL;
        s_reader_t trailer = {data + size - 8, 8, 0, false};
        if (s_read_u64(&trailer) != checksum)
            sq_textclass_fail(error, error_size, "%s: corrupt model: checksum mismatch (truncated or damaged)",
                   path);
        else {
            s_reader_t reader = {data, size - 8, S_MAGIC_SIZE, false};
            self = s_parse(&reader, path, error, error_size);
        }
    }
    free(data);
    return self;
}
