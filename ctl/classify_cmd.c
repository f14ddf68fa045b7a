/*  suqiuctl train / eval: fit the complaint classifier from a CSV file, save it, and measure
    it on labelled data (accuracy, macro-F1, per-class figures, confusion, how well the top
    probability is calibrated, speed).

    The CSV needs a header with "body" and a label column ("label" unless --label-column
    says otherwise); a "title" column is used when present.  --param KEY=VALUE sets one
    option of sq_textclass (e.g. --param hash_bits=18), repeatable.
*/
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "sq_csv.h"
#include "sq_textclass.h"

#define S_BENCH_SECONDS 0.5
#define S_RELIABILITY_BINS 5   //  of top probability: 0-0.2, 0.2-0.4, ..., 0.8-1

typedef struct {
    char *title;   //  NULL when the file has no title column
    char *body;
    char *label;
} s_row_t;

typedef struct {
    s_row_t *rows;
    size_t count;
} s_rows_t;

static double s_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + now.tv_nsec / 1e9;
}

static void s_rows_free(s_rows_t *rows)
{
    for (size_t i = 0; i < rows->count; i++) {
        free(rows->rows[i].title);
        free(rows->rows[i].body);
        free(rows->rows[i].label);
    }
    free(rows->rows);
    rows->rows = NULL;
    rows->count = 0;
}

//  Read every row of a labelled CSV into rows.  Returns 0, or -1 with the error on stderr.
static int s_read_rows(const char *verb, const char *path, const char *label_column,
                       s_rows_t *rows)
{
    char error[600];
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    if (!csv) {
        fprintf(stderr, "suqiuctl %s: %s\n", verb, error);
        return -1;
    }
    const char *missing = !sq_csv_has_column(csv, "body")       ? "body"
                          : !sq_csv_has_column(csv, label_column) ? label_column
                                                                  : NULL;
    if (missing) {
        fprintf(stderr, "suqiuctl %s: %s: the header has no column \"%s\"\n", verb, path, missing);
        sq_csv_destroy(&csv);
        return -1;
    }
    bool has_title = sq_csv_has_column(csv, "title");
    size_t alloc = 0;
    int rc, status = 0;
    while (status == 0 && (rc = sq_csv_next(csv)) == 1) {
        const char *label = sq_csv_field(csv, label_column);
        if (!*label) {
            fprintf(stderr, "suqiuctl %s: %s:%zu: the %s is empty\n", verb, path,
                    sq_csv_line(csv), label_column);
            status = -1;
            break;
        }
        if (rows->count == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            s_row_t *grown = realloc(rows->rows, alloc * sizeof *grown);
            if (!grown) {
                status = -1;
                break;
            }
            rows->rows = grown;
        }
        s_row_t *row = rows->rows + rows->count++;
        row->title = has_title ? strdup(sq_csv_field(csv, "title")) : NULL;
        row->body = strdup(sq_csv_field(csv, "body"));
        row->label = strdup(label);
        if (!row->body || !row->label || (has_title && !row->title))
            status = -1;
    }
    if (status == 0 && rc < 0) {
        fprintf(stderr, "suqiuctl %s: %s\n", verb, sq_csv_error(csv));
        status = -1;
    }
    sq_csv_destroy(&csv);
    if (status)
        s_rows_free(rows);
    return status;
}

int ctl_param(const char *verb, const char *text, sq_textclass_options_t *options)
{
    const char *equals = strchr(text, '=');
    char key[64], error[300];
    if (!equals || (size_t) (equals - text) >= sizeof key) {
        fprintf(stderr, "suqiuctl %s: --param wants KEY=VALUE, got \"%s\"\n", verb, text);
        return -1;
    }
    memcpy(key, text, (size_t) (equals - text));
    key[equals - text] = 0;
    if (sq_textclass_options_set(options, key, equals + 1, error, sizeof error)) {
        fprintf(stderr, "suqiuctl %s: %s\n", verb, error);
        return -1;
    }
    return 0;
}

//  Train a model on rows; prints what it did to progress.  Returns the model or NULL.
static sq_textclass_t *s_train(const char *verb, const s_rows_t *rows,
                               const sq_textclass_options_t *options, FILE *progress)
{
    double start = s_now();
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(options);
    if (!trainer)
        return NULL;
    for (size_t i = 0; i < rows->count; i++)
        if (sq_textclass_trainer_add(trainer, rows->rows[i].title, rows->rows[i].body,
                                     rows->rows[i].label)) {
            fprintf(stderr, "suqiuctl %s: cannot add row %zu\n", verb, i + 1);
            sq_textclass_trainer_destroy(&trainer);
            return NULL;
        }
    double featured = s_now();
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    if (model)
        fprintf(progress, "trained on %zu rows, %zu labels: features %.2f s, fitting %.2f s\n",
                rows->count, sq_textclass_label_count(model), featured - start,
                s_now() - featured);
    else
        fprintf(stderr, "suqiuctl %s: training failed\n", verb);
    return model;
}

int ctl_train(const sq_config_t *config, int argc, char *argv[])
{
    (void) config;
    const char *csv_path = NULL, *out_path = NULL, *label_column = "label";
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv_path = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else if (strcmp(argv[i], "--label-column") == 0 && i + 1 < argc)
            label_column = argv[++i];
        else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
            if (ctl_param("train", argv[++i], &options))
                return 2;
        }
        else
            csv_path = NULL, out_path = NULL, i = argc;
    }
    if (!csv_path || !out_path) {
        fprintf(stderr, "usage: suqiuctl train --csv FILE --out MODEL [--label-column NAME] "
                        "[--param KEY=VALUE]...\n");
        return 2;
    }
    double start = s_now();
    s_rows_t rows = {NULL, 0};
    if (s_read_rows("train", csv_path, label_column, &rows))
        return 1;
    printf("read %zu rows from %s in %.2f s\n", rows.count, csv_path, s_now() - start);
    fflush(stdout);
    sq_textclass_t *model = s_train("train", &rows, &options, stdout);
    s_rows_free(&rows);
    if (!model)
        return 1;
    for (size_t c = 0; c < sq_textclass_label_count(model); c++)
        printf("  label %zu: %s\n", c + 1, sq_textclass_label(model, c));
    int rc = 0;
    double saving = s_now();
    if (sq_textclass_save(model, out_path)) {
        fprintf(stderr, "suqiuctl train: cannot write %s (see the log line above)\n", out_path);
        rc = 1;
    }
    else
        printf("wrote %s in %.2f s\n", out_path, s_now() - saving);
    sq_textclass_destroy(&model);
    return rc;
}

//  Columns of text in a terminal: a CJK character takes two.
static int s_display_width(const char *text)
{
    int width = 0;
    for (const unsigned char *at = (const unsigned char *) text; *at; at++)
        if (*at < 0x80 || (*at >= 0xC0 && *at < 0xE0))
            width++;
        else if (*at >= 0xE0)
            width += 2;
    return width;
}

static void s_print_padded(const char *text, int width)
{
    printf("%s%*s", text, width > s_display_width(text) ? width - s_display_width(text) : 0, "");
}

//  The index of label in labels, adding it when new.
static size_t s_label_slot(const char **labels, size_t *count, const char *label)
{
    for (size_t i = 0; i < *count; i++)
        if (strcmp(labels[i], label) == 0)
            return i;
    labels[*count] = label;
    return (*count)++;
}

//  Accuracy against top probability: the test documents in S_RELIABILITY_BINS bins of their
//  top probability, the accuracy and mean probability of each, the expected calibration
//  error (the mean gap between the two, weighted by documents), and how many documents a
//  confidence threshold of min_percent passes.
typedef struct {
    size_t documents[S_RELIABILITY_BINS], right[S_RELIABILITY_BINS];
    double probability[S_RELIABILITY_BINS];
    size_t passed, passed_right;
} s_reliability_t;

static void s_reliability_add(s_reliability_t *self, double probability, bool right,
                              int min_percent)
{
    int bin = (int) (probability * S_RELIABILITY_BINS);
    bin = bin < 0 ? 0 : bin >= S_RELIABILITY_BINS ? S_RELIABILITY_BINS - 1 : bin;
    self->documents[bin]++;
    self->right[bin] += right;
    self->probability[bin] += probability;
    if (probability * 100 >= min_percent) {
        self->passed++;
        self->passed_right += right;
    }
}

static void s_reliability_print(const s_reliability_t *self, const sq_textclass_t *model,
                                int min_percent)
{
    size_t total = 0;
    for (int b = 0; b < S_RELIABILITY_BINS; b++)
        total += self->documents[b];
    printf("\ncalibration (temperature %.3f): accuracy by top probability\n",
           sq_textclass_temperature(model));
    printf("  top probability  documents  accuracy  mean probability\n");
    double gap = 0;
    for (int b = 0; b < S_RELIABILITY_BINS; b++) {
        size_t n = self->documents[b];
        printf("  %.1f-%.1f          %9zu", (double) b / S_RELIABILITY_BINS,
               (double) (b + 1) / S_RELIABILITY_BINS, n);
        if (n) {
            double accuracy = (double) self->right[b] / n, mean = self->probability[b] / n;
            printf("  %8.3f  %16.3f\n", accuracy, mean);
            gap += n * fabs(accuracy - mean);
        }
        else
            printf("  %8s  %16s\n", "-", "-");
    }
    printf("expected calibration error: %.3f\n", total ? gap / total : 0);
    printf("at or above min_confidence_percent %d: %zu of %zu documents (%.1f%%), accuracy %.3f\n",
           min_percent, self->passed, total, total ? 100.0 * self->passed / total : 0,
           self->passed ? (double) self->passed_right / self->passed : 0);
}

//  Accuracy, macro-F1, per-class figures, the confusion matrix and the calibration of model
//  on rows.
static int s_report(const sq_textclass_t *model, const s_rows_t *test, int min_percent)
{
    s_reliability_t reliability;
    memset(&reliability, 0, sizeof reliability);
    size_t trained = sq_textclass_label_count(model);
    size_t max = trained + test->count;
    const char **labels = calloc(max, sizeof *labels);
    size_t *matrix = calloc(max * max, sizeof *matrix);
    if (!labels || !matrix) {
        free(labels);
        free(matrix);
        return -1;
    }
    size_t count = 0, right = 0;
    for (size_t c = 0; c < trained; c++)
        s_label_slot(labels, &count, sq_textclass_label(model, c));
    for (size_t i = 0; i < test->count; i++) {
        sq_textclass_score_t best;
        if (sq_textclass_predict(model, test->rows[i].title, test->rows[i].body, &best, 1) != 1) {
            free(labels);
            free(matrix);
            return -1;
        }
        size_t truth = s_label_slot(labels, &count, test->rows[i].label);
        matrix[truth * max + best.label_index]++;
        right += truth == best.label_index;
        s_reliability_add(&reliability, best.probability, truth == best.label_index, min_percent);
    }
    double f1_sum = 0;
    size_t f1_classes = 0;
    int width = 8;
    for (size_t c = 0; c < count; c++)
        if (s_display_width(labels[c]) > width)
            width = s_display_width(labels[c]);
    double *precision = calloc(count, sizeof *precision), *recall = calloc(count, sizeof *recall);
    double *f1 = calloc(count, sizeof *f1);
    size_t *support = calloc(count, sizeof *support);
    if (!precision || !recall || !f1 || !support) {
        free(precision), free(recall), free(f1), free(support), free(labels), free(matrix);
        return -1;
    }
    for (size_t c = 0; c < count; c++) {
        size_t predicted = 0;
        for (size_t t = 0; t < count; t++) {
            support[c] += matrix[c * max + t];
            predicted += matrix[t * max + c];
        }
        size_t hit = matrix[c * max + c];
        precision[c] = predicted ? (double) hit / predicted : 0;
        recall[c] = support[c] ? (double) hit / support[c] : 0;
        f1[c] = hit ? 2 * precision[c] * recall[c] / (precision[c] + recall[c]) : 0;
        if (support[c] || predicted) {
            f1_sum += f1[c];
            f1_classes++;
        }
    }
    printf("accuracy: %.3f\n", test->count ? (double) right / test->count : 0);
    printf("macro-F1: %.3f\n", f1_classes ? f1_sum / f1_classes : 0);
    printf("\n  ");
    s_print_padded("label", width);
    printf("  precision  recall     F1  support\n");
    for (size_t c = 0; c < count; c++) {
        printf("  ");
        s_print_padded(labels[c], width);
        printf("  %9.3f  %6.3f  %5.3f  %7zu\n", precision[c], recall[c], f1[c], support[c]);
    }
    printf("\nconfusion (rows: true label, columns: predicted label by number)\n  ");
    s_print_padded("", width + 4);
    for (size_t c = 0; c < count; c++)
        printf(" %5zu", c + 1);
    printf("\n");
    for (size_t t = 0; t < count; t++) {
        printf("  %2zu ", t + 1);
        s_print_padded(labels[t], width);
        printf(" ");
        for (size_t c = 0; c < count; c++)
            printf(" %5zu", matrix[t * max + c]);
        printf("\n");
    }
    s_reliability_print(&reliability, model, min_percent);
    free(precision), free(recall), free(f1), free(support), free(labels), free(matrix);
    return 0;
}

//  Predict every test row again and again for at least S_BENCH_SECONDS; prints docs/s.
static int s_bench(const sq_textclass_t *model, const s_rows_t *test)
{
    size_t done = 0;
    double start = s_now(), elapsed = 0;
    while (test->count && elapsed < S_BENCH_SECONDS) {
        for (size_t i = 0; i < test->count; i++) {
            sq_textclass_score_t top[3];
            if (sq_textclass_predict(model, test->rows[i].title, test->rows[i].body, top, 3) < 1)
                return -1;
        }
        done += test->count;
        elapsed = s_now() - start;
    }
    printf("\nspeed: %.0f documents/second on one core (%zu predictions in %.2f s)\n",
           elapsed > 0 ? done / elapsed : 0, done, elapsed);
    return 0;
}

int ctl_eval(const sq_config_t *config, int argc, char *argv[])
{
    const char *train_path = NULL, *test_path = NULL, *label_column = "label";
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--train") == 0 && i + 1 < argc)
            train_path = argv[++i];
        else if (strcmp(argv[i], "--test") == 0 && i + 1 < argc)
            test_path = argv[++i];
        else if (strcmp(argv[i], "--label-column") == 0 && i + 1 < argc)
            label_column = argv[++i];
        else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
            if (ctl_param("eval", argv[++i], &options))
                return 2;
        }
        else
            train_path = NULL, test_path = NULL, i = argc;
    }
    if (!train_path || !test_path) {
        fprintf(stderr, "usage: suqiuctl eval --train A.csv --test B.csv [--label-column NAME] "
                        "[--param KEY=VALUE]...\n");
        return 2;
    }
    s_rows_t train = {NULL, 0}, test = {NULL, 0};
    if (s_read_rows("eval", train_path, label_column, &train))
        return 1;
    if (s_read_rows("eval", test_path, label_column, &test)) {
        s_rows_free(&train);
        return 1;
    }
    fprintf(stderr, "read %zu training rows from %s, %zu test rows from %s\n", train.count,
            train_path, test.count, test_path);
    sq_textclass_t *model = s_train("eval", &train, &options, stderr);
    s_rows_free(&train);
    int rc = model ? 0 : 1;
    if (model
        && (s_report(model, &test, config->classify_min_confidence_percent)
            || s_bench(model, &test))) {
        fprintf(stderr, "suqiuctl eval: out of memory\n");
        rc = 1;
    }
    sq_textclass_destroy(&model);
    s_rows_free(&test);
    return rc;
}
