/*  sq_textclass: hashed character n-grams and a linear classifier (see sq_textclass.h). */
#include "sq_textclass.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sq_log.h"
#include "sq_ngram.h"

#define S_MAGIC "SQTXTCL\x1a"
#define S_MAGIC_SIZE 8
#define S_VERSION 2
#define S_FILE_MAX ((size_t) 4 << 30)     //  no sane model is larger

struct _sq_textclass_t {
    sq_textclass_options_t options;
    size_t class_count;
    char **labels;
    size_t bucket_count;
    uint32_t *row_of;    //  [bucket]: 1 + its row when training saw it, else 0 (ignored)
    size_t row_count;    //  buckets seen in training: the model only stores these
    float *idf;          //  [row]
    float *weights;      //  [row * class_count + class]
    float *bias;         //  [class]
};

struct _sq_textclass_trainer_t {
    sq_textclass_options_t options;
    char **labels;
    size_t class_count;
    size_t doc_count, doc_alloc;
    uint32_t *doc_label;
    size_t *doc_end;              //  features of doc i: [doc_end[i-1], doc_end[i])
    sq_ngram_feature_t *features;
    size_t feature_count, feature_alloc;
};

//  --------------------------------------------------------------------------
//  Options

void sq_textclass_options_defaults(sq_textclass_options_t *options)
{
    //  chosen by 5-fold validation on the training split of the complaint data (raw rows
    //  held out together with their tokenized twins); see sq_textclass.h
    memset(options, 0, sizeof *options);
    options->features.ngram_min = 1;
    options->features.ngram_max = 2;
    options->features.hash_bits = 20;
    options->features.title_weight = 1.0;
    options->features.drop_punctuation = true;
    options->features.fold_digits = false;
    options->features.max_chars = 20000;
    options->method = SQ_TEXTCLASS_HINGE;
    options->epochs = 30;
    options->learning_rate = 0.5;
    options->l2 = 1e-6;
    options->nb_alpha = 0.01;
    options->seed = 42;
}

static int s_fail(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (error && error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(error, error_size, format, args);
        va_end(args);
    }
    return -1;
}

int sq_textclass_options_check(const sq_textclass_options_t *o, char *error, size_t error_size)
{
    if (sq_ngram_options_check(&o->features, error, error_size))
        return -1;
    if (o->method < SQ_TEXTCLASS_LOGISTIC || o->method > SQ_TEXTCLASS_NAIVE_BAYES)
        return s_fail(error, error_size, "method must be logistic, hinge or naive_bayes");
    if (o->epochs < 1 || o->epochs > 1000)
        return s_fail(error, error_size, "epochs must be 1 to 1000");
    if (!(o->learning_rate > 0 && o->learning_rate <= 100))
        return s_fail(error, error_size, "learning_rate must be above 0, at most 100");
    if (!(o->l2 >= 0 && o->l2 <= 1) || o->l2 * o->learning_rate >= 1)
        return s_fail(error, error_size, "l2 must be 0 to 1, and l2 * learning_rate below 1");
    if (!(o->nb_alpha > 0 && o->nb_alpha <= 100))
        return s_fail(error, error_size, "nb_alpha must be above 0, at most 100");
    return 0;
}

static int s_parse_int(const char *value, long *result)
{
    char *end;
    errno = 0;
    *result = strtol(value, &end, 10);
    return errno || end == value || *end ? -1 : 0;
}

static int s_parse_double(const char *value, double *result)
{
    char *end;
    errno = 0;
    *result = strtod(value, &end);
    return errno || end == value || *end || !isfinite(*result) ? -1 : 0;
}

int sq_textclass_options_set(sq_textclass_options_t *options, const char *key, const char *value,
                             char *error, size_t error_size)
{
    sq_textclass_options_t next = *options;
    long number = 0;
    double real = 0;
    int rc = 0;
    if (strcmp(key, "method") == 0) {
        if (strcmp(value, "logistic") == 0)
            next.method = SQ_TEXTCLASS_LOGISTIC;
        else if (strcmp(value, "hinge") == 0)
            next.method = SQ_TEXTCLASS_HINGE;
        else if (strcmp(value, "naive_bayes") == 0)
            next.method = SQ_TEXTCLASS_NAIVE_BAYES;
        else
            rc = -1;
    }
    else if (strcmp(key, "drop_punctuation") == 0 || strcmp(key, "fold_digits") == 0) {
        bool *field = key[0] == 'd' ? &next.features.drop_punctuation : &next.features.fold_digits;
        if (strcmp(value, "true") == 0)
            *field = true;
        else if (strcmp(value, "false") == 0)
            *field = false;
        else
            rc = -1;
    }
    else if (strcmp(key, "stop_chars") == 0) {
        if (strlen(value) > SQ_NGRAM_STOP_MAX)
            rc = -1;
        else
            snprintf(next.features.stop_chars, sizeof next.features.stop_chars, "%s", value);
    }
    else if (strcmp(key, "ngram_min") == 0 || strcmp(key, "ngram_max") == 0
             || strcmp(key, "hash_bits") == 0 || strcmp(key, "max_chars") == 0
             || strcmp(key, "epochs") == 0 || strcmp(key, "seed") == 0) {
        rc = s_parse_int(value, &number);
        if (rc == 0 && (number < 0 || number > 2000000000))
            rc = -1;
        if (strcmp(key, "ngram_min") == 0)
            next.features.ngram_min = (int) number;
        else if (strcmp(key, "ngram_max") == 0)
            next.features.ngram_max = (int) number;
        else if (strcmp(key, "hash_bits") == 0)
            next.features.hash_bits = (int) number;
        else if (strcmp(key, "max_chars") == 0)
            next.features.max_chars = (int) number;
        else if (strcmp(key, "epochs") == 0)
            next.epochs = (int) number;
        else
            next.seed = (uint64_t) number;
    }
    else if (strcmp(key, "title_weight") == 0 || strcmp(key, "learning_rate") == 0
             || strcmp(key, "l2") == 0 || strcmp(key, "nb_alpha") == 0) {
        rc = s_parse_double(value, &real);
        if (strcmp(key, "title_weight") == 0)
            next.features.title_weight = real;
        else if (strcmp(key, "learning_rate") == 0)
            next.learning_rate = real;
        else if (strcmp(key, "l2") == 0)
            next.l2 = real;
        else
            next.nb_alpha = real;
    }
    else
        return s_fail(error, error_size,
                      "no option \"%s\" (ngram_min ngram_max hash_bits title_weight "
                      "drop_punctuation fold_digits max_chars stop_chars method epochs "
                      "learning_rate l2 nb_alpha seed)",
                      key);
    char why[160];
    if (rc == 0 && sq_textclass_options_check(&next, why, sizeof why) == 0) {
        *options = next;
        return 0;
    }
    if (rc)
        snprintf(why, sizeof why, "is not a valid value for %s", key);
    return s_fail(error, error_size, "%s=\"%s\": %s", key, value, why);
}

char *sq_textclass_normalize(const sq_textclass_options_t *options, const char *text)
{
    return sq_ngram_normalize(&options->features, text);
}

size_t sq_textclass_ngrams(const sq_textclass_options_t *options, const char *text,
                           uint32_t *buckets, size_t max)
{
    return sq_ngram_buckets(&options->features, text, buckets, max);
}

//  --------------------------------------------------------------------------
//  Trainer

sq_textclass_trainer_t *sq_textclass_trainer_new(const sq_textclass_options_t *options)
{
    sq_textclass_options_t defaults;
    if (!options) {
        sq_textclass_options_defaults(&defaults);
        options = &defaults;
    }
    char error[200];
    if (sq_textclass_options_check(options, error, sizeof error)) {
        sq_error("textclass: %s", error);
        return NULL;
    }
    sq_textclass_trainer_t *self = calloc(1, sizeof *self);
    if (self)
        self->options = *options;
    return self;
}

void sq_textclass_trainer_destroy(sq_textclass_trainer_t **self_p)
{
    sq_textclass_trainer_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->class_count; i++)
        free(self->labels[i]);
    free(self->labels);
    free(self->doc_label);
    free(self->doc_end);
    free(self->features);
    free(self);
    *self_p = NULL;
}

size_t sq_textclass_trainer_count(const sq_textclass_trainer_t *self)
{
    return self->doc_count;
}

static int s_label_index(sq_textclass_trainer_t *self, const char *label, uint32_t *index)
{
    size_t length = strlen(label);
    if (length == 0 || length > SQ_TEXTCLASS_LABEL_MAX) {
        sq_error("textclass: a label must be 1 to %d bytes, got %zu", SQ_TEXTCLASS_LABEL_MAX,
                 length);
        return -1;
    }
    for (size_t i = 0; i < self->class_count; i++)
        if (strcmp(self->labels[i], label) == 0) {
            *index = (uint32_t) i;
            return 0;
        }
    if (self->class_count == SQ_TEXTCLASS_CLASS_MAX) {
        sq_error("textclass: more than %d labels", SQ_TEXTCLASS_CLASS_MAX);
        return -1;
    }
    char **labels = realloc(self->labels, (self->class_count + 1) * sizeof *labels);
    if (!labels)
        return -1;
    self->labels = labels;
    if (!(labels[self->class_count] = strdup(label)))
        return -1;
    *index = (uint32_t) self->class_count++;
    return 0;
}

int sq_textclass_trainer_add(sq_textclass_trainer_t *self, const char *title, const char *body,
                             const char *label)
{
    uint32_t index;
    if (!label || s_label_index(self, label, &index))
        return -1;
    size_t count;
    sq_ngram_feature_t *features = sq_ngram_document(&self->options.features, title, body, &count);
    if (!features) {
        sq_error("textclass: out of memory");
        return -1;
    }
    if (self->doc_count == self->doc_alloc) {
        size_t alloc = self->doc_alloc ? self->doc_alloc * 2 : 1024;
        uint32_t *labels = realloc(self->doc_label, alloc * sizeof *labels);
        if (labels)
            self->doc_label = labels;
        size_t *ends = realloc(self->doc_end, alloc * sizeof *ends);
        if (ends)
            self->doc_end = ends;
        if (!labels || !ends) {
            free(features);
            return -1;
        }
        self->doc_alloc = alloc;
    }
    if (self->feature_count + count > self->feature_alloc) {
        size_t alloc = self->feature_alloc ? self->feature_alloc : 65536;
        while (alloc < self->feature_count + count)
            alloc *= 2;
        sq_ngram_feature_t *grown = realloc(self->features, alloc * sizeof *grown);
        if (!grown) {
            free(features);
            return -1;
        }
        self->features = grown;
        self->feature_alloc = alloc;
    }
    memcpy(self->features + self->feature_count, features, count * sizeof *features);
    free(features);
    self->feature_count += count;
    self->doc_label[self->doc_count] = index;
    self->doc_end[self->doc_count++] = self->feature_count;
    return 0;
}

static sq_textclass_t *s_model_new(const sq_textclass_options_t *options, size_t class_count)
{
    sq_textclass_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->options = *options;
    self->class_count = class_count;
    self->bucket_count = (size_t) 1 << options->features.hash_bits;
    self->labels = calloc(class_count, sizeof *self->labels);
    self->row_of = calloc(self->bucket_count, sizeof *self->row_of);
    self->bias = calloc(class_count, sizeof *self->bias);
    if (!self->labels || !self->row_of || !self->bias)
        sq_textclass_destroy(&self);
    return self;
}

//  Room for row_count rows of idf and weights.
static int s_model_rows(sq_textclass_t *self, size_t row_count)
{
    self->row_count = row_count;
    self->idf = calloc(row_count ? row_count : 1, sizeof *self->idf);
    self->weights = calloc(row_count ? row_count * self->class_count : 1, sizeof *self->weights);
    return self->idf && self->weights ? 0 : -1;
}

//  A row for every bucket seen in training, in bucket order, with its smoothed idf.  Then
//  every document's features name rows instead of buckets, and their values become
//  log (1 + tf) * idf, scaled to unit length.
static int s_weigh_documents(sq_textclass_trainer_t *trainer, sq_textclass_t *model)
{
    uint32_t *df = calloc(model->bucket_count, sizeof *df);
    if (!df)
        return -1;
    for (size_t i = 0; i < trainer->feature_count; i++)
        df[trainer->features[i].bucket]++;
    uint32_t rows = 0;
    for (size_t b = 0; b < model->bucket_count; b++)
        if (df[b])
            model->row_of[b] = ++rows;
    if (s_model_rows(model, rows)) {
        free(df);
        return -1;
    }
    double documents = (double) trainer->doc_count;
    for (size_t b = 0; b < model->bucket_count; b++)
        if (df[b])
            model->idf[model->row_of[b] - 1] = (float) (log((1 + documents) / (1 + df[b])) + 1);
    free(df);
    size_t start = 0;
    for (size_t d = 0; d < trainer->doc_count; d++) {
        double norm = 0;
        for (size_t i = start; i < trainer->doc_end[d]; i++) {
            sq_ngram_feature_t *feature = trainer->features + i;
            feature->bucket = model->row_of[feature->bucket] - 1;   //  from here on, a row
            feature->value *= model->idf[feature->bucket];
            norm += (double) feature->value * feature->value;
        }
        float scale = norm > 0 ? (float) (1 / sqrt(norm)) : 0;
        for (size_t i = start; i < trainer->doc_end[d]; i++)
            trainer->features[i].value *= scale;
        start = trainer->doc_end[d];
    }
    return 0;
}

static uint64_t s_random(uint64_t *state)
{
    //  xorshift64*
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

//  Softmax of scores in place.
static void s_softmax(double *scores, size_t count)
{
    double top = scores[0];
    for (size_t c = 1; c < count; c++)
        if (scores[c] > top)
            top = scores[c];
    double sum = 0;
    for (size_t c = 0; c < count; c++)
        sum += scores[c] = exp(scores[c] - top);
    for (size_t c = 0; c < count; c++)
        scores[c] /= sum;
}

//  SGD on the logistic or the multi-class hinge loss with L2, the weights kept as
//  scale * weights so that shrinking them costs nothing per step.
static int s_fit_sgd(sq_textclass_trainer_t *trainer, sq_textclass_t *model)
{
    const sq_textclass_options_t *o = &trainer->options;
    size_t classes = model->class_count, docs = trainer->doc_count;
    size_t *order = malloc(docs * sizeof *order);
    if (!order)
        return -1;
    for (size_t d = 0; d < docs; d++)
        order[d] = d;
    uint64_t state = o->seed * 2 + 0x9E3779B97F4A7C15ULL;
    double scale = 1, step_count = 0;
    double scores[SQ_TEXTCLASS_CLASS_MAX], gradient[SQ_TEXTCLASS_CLASS_MAX];
    float *w = model->weights;
    size_t size = model->row_count * classes;
    double *sum = calloc(size + classes, sizeof *sum);
    if (!sum) {
        free(order);
        return -1;
    }
    int averaged = 0;
    for (int epoch = 0; epoch < o->epochs; epoch++) {
        for (size_t d = docs - 1; d > 0; d--) {
            size_t other = s_random(&state) % (d + 1);
            size_t keep = order[d];
            order[d] = order[other];
            order[other] = keep;
        }
        for (size_t k = 0; k < docs; k++) {
            size_t d = order[k];
            size_t start = d ? trainer->doc_end[d - 1] : 0, end = trainer->doc_end[d];
            uint32_t truth = trainer->doc_label[d];
            double eta = o->learning_rate / (1 + o->learning_rate * o->l2 * step_count++);
            for (size_t c = 0; c < classes; c++)
                scores[c] = 0;
            for (size_t i = start; i < end; i++) {
                const float *row = w + (size_t) trainer->features[i].bucket * classes;
                double x = trainer->features[i].value;
                for (size_t c = 0; c < classes; c++)
                    scores[c] += x * row[c];
            }
            for (size_t c = 0; c < classes; c++)
                scores[c] = scores[c] * scale + model->bias[c];
            if (o->method == SQ_TEXTCLASS_LOGISTIC) {
                s_softmax(scores, classes);
                for (size_t c = 0; c < classes; c++)
                    gradient[c] = scores[c] - (c == truth);
            }
            else {
                size_t rival = truth == 0 ? 1 : 0;
                for (size_t c = 0; c < classes; c++)
                    if (c != truth && scores[c] > scores[rival])
                        rival = c;
                for (size_t c = 0; c < classes; c++)
                    gradient[c] = 0;
                if (scores[truth] - scores[rival] < 1) {
                    gradient[truth] = -1;
                    gradient[rival] = 1;
                }
            }
            scale *= 1 - eta * o->l2;
            if (scale < 1e-6) {
                for (size_t i = 0; i < size; i++)
                    w[i] = (float) (w[i] * scale);
                scale = 1;
            }
            for (size_t i = start; i < end; i++) {
                float *row = w + (size_t) trainer->features[i].bucket * classes;
                double x = trainer->features[i].value * eta / scale;
                for (size_t c = 0; c < classes; c++)
                    row[c] -= (float) (gradient[c] * x);
            }
            for (size_t c = 0; c < classes; c++)
                model->bias[c] -= (float) (eta * gradient[c]);
        }
        //  the model is the average of the ends of the later epochs: steadier than the last
        if (2 * epoch + 2 > o->epochs) {
            for (size_t i = 0; i < size; i++)
                sum[i] += w[i] * scale;
            for (size_t c = 0; c < classes; c++)
                sum[size + c] += model->bias[c];
            averaged++;
        }
    }
    for (size_t i = 0; i < size; i++)
        w[i] = averaged ? (float) (sum[i] / averaged) : (float) (w[i] * scale);
    for (size_t c = 0; c < classes && averaged; c++)
        model->bias[c] = (float) (sum[size + c] / averaged);
    free(sum);
    free(order);
    return 0;
}

//  Multinomial naive Bayes over the weighted features: log P(bucket | class), centred over
//  classes per bucket (a shared term changes no ranking), and log priors as bias.
static int s_fit_naive_bayes(sq_textclass_trainer_t *trainer, sq_textclass_t *model)
{
    size_t classes = model->class_count;
    double *mass = calloc(model->row_count * classes + 1, sizeof *mass);
    double *total = calloc(classes, sizeof *total);
    size_t *documents = calloc(classes, sizeof *documents);
    if (!mass || !total || !documents) {
        free(mass), free(total), free(documents);
        return -1;
    }
    size_t start = 0;
    for (size_t d = 0; d < trainer->doc_count; d++) {
        uint32_t c = trainer->doc_label[d];
        documents[c]++;
        for (size_t i = start; i < trainer->doc_end[d]; i++) {
            mass[(size_t) trainer->features[i].bucket * classes + c] += trainer->features[i].value;
            total[c] += trainer->features[i].value;
        }
        start = trainer->doc_end[d];
    }
    double seen = (double) model->row_count, alpha = trainer->options.nb_alpha;
    for (size_t b = 0; b < model->row_count; b++) {
        double mean = 0, logs[SQ_TEXTCLASS_CLASS_MAX];
        for (size_t c = 0; c < classes; c++)
            mean += logs[c] = log((alpha + mass[b * classes + c]) / (alpha * seen + total[c]));
        mean /= (double) classes;
        for (size_t c = 0; c < classes; c++)
            model->weights[b * classes + c] = (float) (logs[c] - mean);
    }
    for (size_t c = 0; c < classes; c++)
        model->bias[c] = (float) log((documents[c] + 1.0) / (trainer->doc_count + classes));
    free(mass), free(total), free(documents);
    return 0;
}

sq_textclass_t *sq_textclass_trainer_finish(sq_textclass_trainer_t **self_p)
{
    sq_textclass_trainer_t *trainer = *self_p;
    if (!trainer)
        return NULL;
    *self_p = NULL;
    if (trainer->class_count < 2) {
        sq_error("textclass: cannot train on %zu label(s) from %zu documents; need two or more",
                 trainer->class_count, trainer->doc_count);
        sq_textclass_trainer_destroy(&trainer);
        return NULL;
    }
    sq_textclass_t *model = s_model_new(&trainer->options, trainer->class_count);
    int rc = model ? 0 : -1;
    if (rc == 0) {
        for (size_t c = 0; c < trainer->class_count; c++) {
            model->labels[c] = trainer->labels[c];
            trainer->labels[c] = NULL;
        }
        rc = s_weigh_documents(trainer, model);
    }
    if (rc == 0 && trainer->options.method == SQ_TEXTCLASS_NAIVE_BAYES)
        rc = s_fit_naive_bayes(trainer, model);
    else if (rc == 0)
        rc = s_fit_sgd(trainer, model);
    if (rc) {
        sq_error("textclass: out of memory while training on %zu documents", trainer->doc_count);
        sq_textclass_destroy(&model);
    }
    sq_textclass_trainer_destroy(&trainer);
    return model;
}

//  --------------------------------------------------------------------------
//  Prediction

int sq_textclass_predict(const sq_textclass_t *self, const char *title, const char *body,
                         sq_textclass_score_t *top, size_t top_count)
{
    size_t count;
    sq_ngram_feature_t *features = sq_ngram_document(&self->options.features, title, body, &count);
    if (!features)
        return -1;
    size_t classes = self->class_count;
    double norm = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t row = self->row_of[features[i].bucket];
        features[i].bucket = row ? row - 1 : 0;
        features[i].value *= row ? self->idf[row - 1] : 0;
        norm += (double) features[i].value * features[i].value;
    }
    double scale = norm > 0 ? 1 / sqrt(norm) : 0;
    double scores[SQ_TEXTCLASS_CLASS_MAX] = {0};
    for (size_t i = 0; i < count; i++) {
        if (features[i].value == 0)
            continue;
        const float *row = self->weights + (size_t) features[i].bucket * classes;
        double x = features[i].value * scale;
        for (size_t c = 0; c < classes; c++)
            scores[c] += x * row[c];
    }
    free(features);
    for (size_t c = 0; c < classes; c++)
        scores[c] += self->bias[c];
    s_softmax(scores, classes);
    size_t filled = top_count < classes ? top_count : classes;
    bool taken[SQ_TEXTCLASS_CLASS_MAX] = {false};
    for (size_t k = 0; k < filled; k++) {
        size_t best = classes;
        for (size_t c = 0; c < classes; c++)
            if (!taken[c] && (best == classes || scores[c] > scores[best]))
                best = c;
        taken[best] = true;
        top[k].label_index = best;
        top[k].label = self->labels[best];
        top[k].probability = scores[best];
    }
    return (int) filled;
}

size_t sq_textclass_label_count(const sq_textclass_t *self)
{
    return self->class_count;
}

const char *sq_textclass_label(const sq_textclass_t *self, size_t i)
{
    return i < self->class_count ? self->labels[i] : NULL;
}

const sq_textclass_options_t *sq_textclass_options(const sq_textclass_t *self)
{
    return &self->options;
}

void sq_textclass_destroy(sq_textclass_t **self_p)
{
    sq_textclass_t *self = *self_p;
    if (!self)
        return;
    for (size_t c = 0; self->labels && c < self->class_count; c++)
        free(self->labels[c]);
    free(self->labels);
    free(self->row_of);
    free(self->idf);
    free(self->weights);
    free(self->bias);
    free(self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Model file: little-endian throughout, FNV-1a 64 checksum of everything before it.
//      magic[8] version:u32
//      ngram_min ngram_max hash_bits max_chars flags:u32  title_weight:f64
//      stop_length:u32 stop_chars[stop_length]
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
    size_t tmp_size = strlen(path) + 5;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return -1;
    snprintf(tmp, tmp_size, "%s.tmp", path);
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
        s_fail(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat info;
    unsigned char *data = NULL;
    if (fstat(fileno(file), &info) || !S_ISREG(info.st_mode))
        s_fail(error, error_size, "%s: not a regular file", path);
    else if ((uint64_t) info.st_size > S_FILE_MAX)
        s_fail(error, error_size, "%s: %lld bytes is too large for a model", path,
               (long long) info.st_size);
    else if (!(data = malloc(info.st_size ? (size_t) info.st_size : 1)))
        s_fail(error, error_size, "%s: out of memory", path);
    else if (fread(data, 1, (size_t) info.st_size, file) != (size_t) info.st_size) {
        s_fail(error, error_size, "%s: cannot read: %s", path, strerror(errno));
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
        s_fail(why, why_size, "%llu rows do not fit the file", (unsigned long long) rows);
        return;
    }
    if (s_model_rows(self, (size_t) rows)) {
        s_fail(why, why_size, "out of memory");
        return;
    }
    uint64_t previous = 0;
    for (size_t r = 0; r < rows; r++) {
        uint32_t bucket = s_read_u32(reader);
        if (bucket >= self->bucket_count || (r && bucket <= previous)) {
            s_fail(why, why_size, "row %zu has bucket %u, out of order or range", r, bucket);
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
    if (version != S_VERSION) {
        s_fail(error, error_size, "%s: model version %u, this program reads version %d", path,
               version, S_VERSION);
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
    uint32_t class_count = s_read_u32(reader);
    char why[160] = "";
    if (reader->short_read)
        s_fail(why, sizeof why, "truncated header");
    else if (!stop || memchr(options.features.stop_chars, 0, stop_length))
        s_fail(why, sizeof why, "bad stop characters");
    else if (sq_textclass_options_check(&options, why, sizeof why) == 0
             && (class_count < 2 || class_count > SQ_TEXTCLASS_CLASS_MAX))
        s_fail(why, sizeof why, "%u classes, expected 2 to %d", class_count,
               SQ_TEXTCLASS_CLASS_MAX);
    if (*why) {
        s_fail(error, error_size, "%s: corrupt model: %s", path, why);
        return NULL;
    }
    sq_textclass_t *self = s_model_new(&options, class_count);
    if (!self) {
        s_fail(error, error_size, "%s: out of memory", path);
        return NULL;
    }
    for (size_t c = 0; c < class_count && !*why; c++) {
        uint32_t length = s_read_u32(reader);
        const unsigned char *label = length <= SQ_TEXTCLASS_LABEL_MAX ? s_take(reader, length)
                                                                       : NULL;
        if (!label || length == 0 || memchr(label, 0, length))
            s_fail(why, sizeof why, "label %zu is malformed", c);
        else if (!(self->labels[c] = strndup((const char *) label, length)))
            s_fail(why, sizeof why, "out of memory");
    }
    if (!*why && s_read_floats(reader, self->bias, class_count))
        s_fail(why, sizeof why, "truncated or bad biases");
    if (!*why)
        s_read_rows(reader, self, why, sizeof why);
    if (!*why
        && (s_read_floats(reader, self->idf, self->row_count)
            || s_read_floats(reader, self->weights, self->row_count * class_count)))
        s_fail(why, sizeof why, "%s",
               reader->short_read ? "truncated weights" : "a weight is not finite");
    if (!*why && reader->at != reader->size)
        s_fail(why, sizeof why, "%zu bytes after the weights", reader->size - reader->at);
    if (*why) {
        s_fail(error, error_size, "%s: corrupt model: %s", path, why);
        sq_textclass_destroy(&self);
    }
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
        s_fail(error, error_size, "%s: not a suqiu text-class model (%s)", path,
               size == 0 ? "empty file" : "wrong magic");
    else if (size < S_MAGIC_SIZE + 4 + 8)
        s_fail(error, error_size, "%s: corrupt model: truncated header", path);
    else {
        uint64_t checksum = 0xCBF29CE484222325ULL;
        for (size_t i = 0; i < size - 8; i++)
            checksum = (checksum ^ data[i]) * 0x100000001B3ULL;
        s_reader_t trailer = {data + size - 8, 8, 0, false};
        if (s_read_u64(&trailer) != checksum)
            s_fail(error, error_size, "%s: corrupt model: checksum mismatch (truncated or damaged)",
                   path);
        else {
            s_reader_t reader = {data, size - 8, S_MAGIC_SIZE, false};
            self = s_parse(&reader, path, error, error_size);
        }
    }
    free(data);
    return self;
}
