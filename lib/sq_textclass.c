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
#include "sq_textclass_model.h"

#define S_TEMPERATURE_LOW 1e-2            //  the range the trainer searches
#define S_TEMPERATURE_HIGH 1e3
#define S_FOLDS_MAX 5                     //  folds of the out-of-fold margins
#define S_CALIBRATE_DOCS_MIN 10           //  fewer documents than this: no calibration

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
    options->calibrate = true;
}

int sq_textclass_fail(char *error, size_t error_size, const char *format, ...)
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
        return sq_textclass_fail(error, error_size, "method must be logistic, hinge or naive_bayes");
    if (o->epochs < 1 || o->epochs > 1000)
        return sq_textclass_fail(error, error_size, "epochs must be 1 to 1000");
    if (!(o->learning_rate > 0 && o->learning_rate <= 100))
        return sq_textclass_fail(error, error_size, "learning_rate must be above 0, at most 100");
    if (!(o->l2 >= 0 && o->l2 <= 1) || o->l2 * o->learning_rate >= 1)
        return sq_textclass_fail(error, error_size, "l2 must be 0 to 1, and l2 * learning_rate below 1");
    if (!(o->nb_alpha > 0 && o->nb_alpha <= 100))
        return sq_textclass_fail(error, error_size, "nb_alpha must be above 0, at most 100");
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
    else if (strcmp(key, "drop_punctuation") == 0 || strcmp(key, "fold_digits") == 0
             || strcmp(key, "calibrate") == 0) {
        bool *field = key[0] == 'd'   ? &next.features.drop_punctuation
                      : key[0] == 'f' ? &next.features.fold_digits
                                      : &next.calibrate;
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
        return sq_textclass_fail(error, error_size,
                      "no option \"%s\" (ngram_min ngram_max hash_bits title_weight "
                      "drop_punctuation fold_digits max_chars stop_chars method epochs "
                      "learning_rate l2 nb_alpha seed calibrate)",
                      key);
    char why[160];
    if (rc == 0 && sq_textclass_options_check(&next, why, sizeof why) == 0) {
        *options = next;
        return 0;
    }
    if (rc)
        snprintf(why, sizeof why, "is not a valid value for %s", key);
    return sq_textclass_fail(error, error_size, "%s=\"%s\": %s", key, value, why);
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
    for (size_t i = 0; self->labels && i < self->class_count; i++)
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

sq_textclass_t *sq_textclass_model_new(const sq_textclass_options_t *options, size_t class_count)
{
    sq_textclass_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->options = *options;
    self->class_count = class_count;
    self->temperature = 1;
    self->bucket_count = (size_t) 1 << options->features.hash_bits;
    self->labels = calloc(class_count, sizeof *self->labels);
    self->row_of = calloc(self->bucket_count, sizeof *self->row_of);
    self->bias = calloc(class_count, sizeof *self->bias);
    if (!self->labels || !self->row_of || !self->bias)
        sq_textclass_destroy(&self);
    return self;
}

//  Room for row_count rows of idf and weights.
int sq_textclass_model_rows(sq_textclass_t *self, size_t row_count)
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
    if (sq_textclass_model_rows(model, rows)) {
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
            size_t rival = truth == 0 ? 1 : 0;
            bool violated = true;   //  hinge: only then is there a gradient
            if (o->method != SQ_TEXTCLASS_LOGISTIC) {
                for (size_t c = 0; c < classes; c++)
                    if (c != truth && scores[c] > scores[rival])
                        rival = c;
                for (size_t c = 0; c < classes; c++)
                    gradient[c] = 0;
                violated = scores[truth] - scores[rival] < 1;
                if (violated) {
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
            //  The hinge's gradient is zero but for the true class and its rival, so only
            //  their weights move (subtracting zero from the others changes nothing).
            for (size_t i = start; violated && i < end; i++) {
                float *row = w + (size_t) trainer->features[i].bucket * classes;
                double x = trainer->features[i].value * eta / scale;
                if (o->method == SQ_TEXTCLASS_LOGISTIC)
                    for (size_t c = 0; c < classes; c++)
                        row[c] -= (float) (gradient[c] * x);
                else {
                    row[truth] -= (float) (gradient[truth] * x);
                    row[rival] -= (float) (gradient[rival] * x);
                }
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

//  Weigh the trainer's documents for model and fit it by the trainer's method.
static int s_fit(sq_textclass_trainer_t *trainer, sq_textclass_t *model)
{
    if (s_weigh_documents(trainer, model))
        return -1;
    if (trainer->options.method == SQ_TEXTCLASS_NAIVE_BAYES)
        return s_fit_naive_bayes(trainer, model);
    return s_fit_sgd(trainer, model);
}

//  The margins (scores before the softmax) of a document's features, which are left as they
//  are: buckets and log (1 + tf), as sq_ngram_document gives them.  The float rounding of
//  value * idf is that of the version before calibration: the same text, the same margins.
static void s_margins(const sq_textclass_t *self, const sq_ngram_feature_t *features,
                      size_t count, double *scores)
{
    size_t classes = self->class_count;
    double norm = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t row = self->row_of[features[i].bucket];
        double x = row ? (double) (float) (features[i].value * self->idf[row - 1]) : 0;
        norm += x * x;
    }
    double scale = norm > 0 ? 1 / sqrt(norm) : 0;
    for (size_t c = 0; c < classes; c++)
        scores[c] = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t row = self->row_of[features[i].bucket];
        if (!row || features[i].value == 0)
            continue;
        const float *weights = self->weights + (size_t) (row - 1) * classes;
        double x = (double) (float) (features[i].value * self->idf[row - 1]) * scale;
        for (size_t c = 0; c < classes; c++)
            scores[c] += x * weights[c];
    }
    for (size_t c = 0; c < classes; c++)
        scores[c] += self->bias[c];
}

//  Stratified folds: documents in a seeded random order, grouped by label, dealt round the
//  folds, so that each fold has its share of every label.
static int s_assign_folds(const sq_textclass_trainer_t *trainer, size_t folds, uint32_t *fold)
{
    size_t docs = trainer->doc_count;
    size_t *order = malloc(docs * sizeof *order);
    if (!order)
        return -1;
    for (size_t d = 0; d < docs; d++)
        order[d] = d;
    uint64_t state = trainer->options.seed * 2 + 0xD1B54A32D192ED03ULL;
    for (size_t d = docs - 1; d > 0; d--) {
        size_t other = s_random(&state) % (d + 1);
        size_t keep = order[d];
        order[d] = order[other];
        order[other] = keep;
    }
    size_t dealt = 0;
    for (size_t c = 0; c < trainer->class_count; c++)
        for (size_t k = 0; k < docs; k++)
            if (trainer->doc_label[order[k]] == c)
                fold[order[k]] = (uint32_t) (dealt++ % folds);
    free(order);
    return 0;
}

//  A trainer of the documents not in fold held_out: copies of their features, no labels'
//  names (fitting does not need them).  NULL when out of memory.
static sq_textclass_trainer_t *s_trainer_without(const sq_textclass_trainer_t *trainer,
                                                 const uint32_t *fold, uint32_t held_out)
{
    sq_textclass_trainer_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->options = trainer->options;
    self->class_count = trainer->class_count;
    self->doc_label = malloc(trainer->doc_count * sizeof *self->doc_label);
    self->doc_end = malloc(trainer->doc_count * sizeof *self->doc_end);
    self->features = malloc((trainer->feature_count ? trainer->feature_count : 1)
                            * sizeof *self->features);
    if (!self->doc_label || !self->doc_end || !self->features) {
        sq_textclass_trainer_destroy(&self);
        return NULL;
    }
    size_t start = 0;
    for (size_t d = 0; d < trainer->doc_count; d++) {
        size_t end = trainer->doc_end[d];
        if (fold[d] != held_out) {
            memcpy(self->features + self->feature_count, trainer->features + start,
                   (end - start) * sizeof *self->features);
            self->feature_count += end - start;
            self->doc_label[self->doc_count] = trainer->doc_label[d];
            self->doc_end[self->doc_count++] = self->feature_count;
        }
        start = end;
    }
    return self;
}

//  Mean negative log-likelihood of the true labels under softmax (temperature * margins).
static double s_nll(const double *margins, const uint32_t *truth, size_t docs, size_t classes,
                    double temperature)
{
    double total = 0;
    for (size_t d = 0; d < docs; d++) {
        const double *m = margins + d * classes;
        double top = m[0];
        for (size_t c = 1; c < classes; c++)
            if (m[c] > top)
                top = m[c];
        double sum = 0;
        for (size_t c = 0; c < classes; c++)
            sum += exp(temperature * (m[c] - top));
        total += log(sum) - temperature * (m[truth[d]] - top);
    }
    return total / (double) docs;
}

//  The temperature that best fits margins to the truth.  The likelihood is concave in the
//  temperature, so a golden-section search on its logarithm finds the one optimum.
static double s_best_temperature(const double *margins, const uint32_t *truth, size_t docs,
                                 size_t classes)
{
    const double ratio = (sqrt(5) - 1) / 2;
    double low = log(S_TEMPERATURE_LOW), high = log(S_TEMPERATURE_HIGH);
    double left = high - ratio * (high - low), right = low + ratio * (high - low);
    double f_left = s_nll(margins, truth, docs, classes, exp(left));
    double f_right = s_nll(margins, truth, docs, classes, exp(right));
    while (high - low > 1e-4) {
        if (f_left <= f_right) {
            high = right, right = left, f_right = f_left;
            left = high - ratio * (high - low);
            f_left = s_nll(margins, truth, docs, classes, exp(left));
        }
        else {
            low = left, left = right, f_left = f_right;
            right = low + ratio * (high - low);
            f_right = s_nll(margins, truth, docs, classes, exp(right));
        }
    }
    return exp((low + high) / 2);
}

//  Temperature scaling: fit a model on all folds but one, with the same options, and score
//  the held-out fold, for every fold; then the temperature that makes those out-of-fold
//  margins most likely.  As many folds as the smallest label has documents, 2 to
//  S_FOLDS_MAX.  *temperature stays 1 when there are too few documents.  Returns 0, or -1
//  when out of memory.
static int s_calibrate(const sq_textclass_trainer_t *trainer, double *temperature)
{
    size_t docs = trainer->doc_count, classes = trainer->class_count;
    *temperature = 1;
    if (docs < S_CALIBRATE_DOCS_MIN) {
        sq_info("textclass: %zu documents are too few to calibrate; temperature 1", docs);
        return 0;
    }
    size_t per_label[SQ_TEXTCLASS_CLASS_MAX] = {0}, folds = S_FOLDS_MAX;
    for (size_t d = 0; d < docs; d++)
        per_label[trainer->doc_label[d]]++;
    for (size_t c = 0; c < classes; c++)
        if (per_label[c] < folds)
            folds = per_label[c] < 2 ? 2 : per_label[c];
    uint32_t *fold = malloc(docs * sizeof *fold);
    double *margins = malloc(docs * classes * sizeof *margins);
    int rc = fold && margins ? s_assign_folds(trainer, folds, fold) : -1;
    for (uint32_t f = 0; rc == 0 && f < folds; f++) {
        sq_textclass_trainer_t *rest = s_trainer_without(trainer, fold, f);
        sq_textclass_t *model = rest ? sq_textclass_model_new(&trainer->options, classes) : NULL;
        rc = model ? s_fit(rest, model) : -1;
        size_t start = 0;
        for (size_t d = 0; rc == 0 && d < docs; d++) {
            if (fold[d] == f)
                s_margins(model, trainer->features + start, trainer->doc_end[d] - start,
                          margins + d * classes);
            start = trainer->doc_end[d];
        }
        sq_textclass_destroy(&model);
        sq_textclass_trainer_destroy(&rest);
    }
    if (rc == 0) {
        *temperature = s_best_temperature(margins, trainer->doc_label, docs, classes);
        sq_info("textclass: temperature %.3f from the out-of-fold margins of %zu documents "
                "in %zu folds",
                *temperature, docs, folds);
    }
    free(fold);
    free(margins);
    return rc;
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
    sq_textclass_t *model = sq_textclass_model_new(&trainer->options, trainer->class_count);
    int rc = model ? 0 : -1;
    if (rc == 0) {
        for (size_t c = 0; c < trainer->class_count; c++) {
            model->labels[c] = trainer->labels[c];
            trainer->labels[c] = NULL;
        }
        //  before the final fit, which turns the documents' buckets into its rows
        if (trainer->options.calibrate)
            rc = s_calibrate(trainer, &model->temperature);
    }
    if (rc == 0)
        rc = s_fit(trainer, model);
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
    double scores[SQ_TEXTCLASS_CLASS_MAX];
    s_margins(self, features, count, scores);
    free(features);
    for (size_t c = 0; c < classes; c++)
        scores[c] *= self->temperature;
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

double sq_textclass_idf(const sq_textclass_t *self, uint32_t bucket)
{
    if (bucket >= self->bucket_count || !self->row_of[bucket])
        return 0;
    return self->idf[self->row_of[bucket] - 1];
}

double sq_textclass_temperature(const sq_textclass_t *self)
{
    return self->temperature;
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
