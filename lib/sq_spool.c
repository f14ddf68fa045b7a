/*  sq_spool: an append-only, fsync'd journal of work orders waiting for the hub (see sq_spool.h). */
#include "sq_spool.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sq_alloc.h"
#include "sq_log.h"

#define S_MAGIC "SQSP"
#define S_HEADER_BYTES 12                  //  magic, length (big-endian), CRC-32 (big-endian)
#define S_RECORD_MAX (8 * 1024 * 1024)     //  a larger length field is damage, not a record
#define S_ROTATE_BYTES (4 * 1024 * 1024)   //  a journal file past this is closed for a new one
#define S_SUFFIX ".spool"

//  One waiting item, in arrival order.
typedef struct s_item_t {
    char *receipt;
    json_t *envelope;
    int64_t spooled_at;
    uint64_t file;              //  the journal file it is in
    struct s_item_t *next;
} s_item_t;

struct _sq_spool_t {
    pthread_mutex_t lock;
    char *dir;
    bool owner;
    int lock_fd;                //  the folder's lock, held while open (owner)
    int fd;                     //  the journal file written to (owner), or -1
    uint64_t file;              //  its number
    off_t file_bytes;
    s_item_t *first, *last;     //  the waiting items, oldest first
    size_t waiting;
    char error[512];
    char last_error[512];       //  of the replay, for status.json
    int64_t last_error_at;
};

static void s_fail(sq_spool_t *self, const char *what, const char *path)
{
    snprintf(self->error, sizeof self->error, "%s %s: %s", what, path, strerror(errno));
}

static int64_t s_now(void)
{
    return (int64_t) time(NULL);
}

static char *s_file_path(sq_spool_t *self, uint64_t file)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%016llu" S_SUFFIX, self->dir, (unsigned long long) file) < 0)
        abort();
    return path;
}

//  --------------------------------------------------------------------------
//  The waiting list

static s_item_t *s_find(sq_spool_t *self, const char *receipt, s_item_t **previous)
{
    s_item_t *before = NULL;
    for (s_item_t *item = self->first; item; before = item, item = item->next)
        if (strcmp(item->receipt, receipt) == 0) {
            if (previous)
                *previous = before;
            return item;
        }
    return NULL;
}

static void s_add(sq_spool_t *self, const char *receipt, json_t *envelope, int64_t at, uint64_t file)
{
    s_item_t *item = (s_item_t *) sq_alloc(sizeof *item);
    item->receipt = sq_strdup(receipt);
    item->envelope = json_deep_copy(envelope);
    item->spooled_at = at;
    item->file = file;
    if (self->last)
        self->last->next = item;
    else
        self->first = item;
    self->last = item;
    self->waiting++;
}

static void s_item_free(s_item_t *item)
{
    free(item->receipt);
    json_decref(item->envelope);
    free(item);
}

static void s_remove(sq_spool_t *self, const char *receipt)
{
    s_item_t *previous = NULL;
    s_item_t *item = s_find(self, receipt, &previous);
    if (!item)
        return;
    if (previous)
        previous->next = item->next;
    else
        self->first = item->next;
    if (self->last == item)
        self->last = previous;
    self->waiting--;
    s_item_free(item);
}

//  --------------------------------------------------------------------------
//  Reading the journal

//  Apply one record's JSON to the waiting list.
static void s_apply(sq_spool_t *self, const char *payload, size_t length, uint64_t file)
{
    json_t *record = json_loadb(payload, length, 0, NULL);
    const char *kind = json_string_value(json_object_get(record, "kind"));
    const char *receipt = json_string_value(json_object_get(record, "receipt"));
    if (kind && receipt && strcmp(kind, "item") == 0 && !s_find(self, receipt, NULL))
        s_add(self, receipt, json_object_get(record, "envelope"),
              json_integer_value(json_object_get(record, "spooled_at")), file);
    else if (kind && receipt && strcmp(kind, "done") == 0)
        s_remove(self, receipt);
    else if (!kind || !receipt)
        sq_warn("spool %s: a record without kind or receipt in file %llu, skipped", self->dir,
                (unsigned long long) file);
    json_decref(record);
}

static uint32_t s_be32(const unsigned char *bytes)
{
    return (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 | (uint32_t) bytes[2] << 8 | bytes[3];
}

//  Read one journal file; returns the offset where the valid records end (its size when whole).
static off_t s_read_file(sq_spool_t *self, uint64_t file, bool *whole)
{
    char *path = s_file_path(self, file);
    FILE *stream = fopen(path, "rb");
    free(path);
    *whole = true;
    if (!stream)
        return 0;
    off_t good = 0;
    unsigned char header[S_HEADER_BYTES];
    char *payload = NULL;
    while (true) {
        size_t got = fread(header, 1, S_HEADER_BYTES, stream);
        if (got == 0)
            break;
        uint32_t length = got == S_HEADER_BYTES ? s_be32(header + 4) : 0;
        if (got < S_HEADER_BYTES || memcmp(header, S_MAGIC, 4) || length > S_RECORD_MAX) {
            *whole = false;
            break;
        }
        payload = (char *) sq_realloc(payload, length + 1);
        if (fread(payload, 1, length, stream) != length
            || (uint32_t) crc32(0L, (const Bytef *) payload, (uInt) length) != s_be32(header + 8)) {
            *whole = false;
            break;
        }
        s_apply(self, payload, length, file);
        good += S_HEADER_BYTES + (off_t) length;
    }
    free(payload);
    fclose(stream);
    return good;
}

static int s_compare_files(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

//  The journal files' numbers, in order (the caller frees); *count set.  NULL on error.
static uint64_t *s_list_files(sq_spool_t *self, size_t *count)
{
    DIR *folder = opendir(self->dir);
    if (!folder) {
        s_fail(self, "cannot read the spool folder", self->dir);
        return NULL;
    }
    size_t room = 16;
    uint64_t *files = (uint64_t *) sq_alloc(room * sizeof *files);
    *count = 0;
    struct dirent *entry;
    while ((entry = readdir(folder))) {
        size_t length = strlen(entry->d_name);
        char *end = NULL;
        unsigned long long number = strtoull(entry->d_name, &end, 10);
        if (length != 16 + strlen(S_SUFFIX) || end != entry->d_name + 16 || strcmp(end, S_SUFFIX))
            continue;
        if (*count == room)
            files = (uint64_t *) sq_realloc(files, (room *= 2) * sizeof *files);
        files[(*count)++] = number;
    }
    closedir(folder);
    qsort(files, *count, sizeof *files, s_compare_files);
    return files;
}

//  --------------------------------------------------------------------------
//  Writing the journal (owner only, holding the lock)

static int s_sync_folder(sq_spool_t *self)
{
    int fd = open(self->dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd)) {
        s_fail(self, "cannot sync the spool folder", self->dir);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

//  Begin journal file number file (created empty, the folder synced).
static int s_begin_file(sq_spool_t *self, uint64_t file)
{
    if (self->fd >= 0)
        close(self->fd);
    char *path = s_file_path(self, file);
    self->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (self->fd < 0) {
        s_fail(self, "cannot create", path);
        free(path);
        return -1;
    }
    free(path);
    self->file = file;
    self->file_bytes = 0;
    return s_sync_folder(self);
}

//  Remove the journal files no waiting item is in, except the one written to.
static void s_remove_spent_files(sq_spool_t *self)
{
    uint64_t oldest_needed = self->first ? self->first->file : self->file;
    size_t count = 0;
    uint64_t *files = s_list_files(self, &count);
    for (size_t i = 0; files && i < count; i++)
        if (files[i] < oldest_needed) {
            char *path = s_file_path(self, files[i]);
            if (unlink(path))
                sq_warn("spool %s: cannot remove %s: %s", self->dir, path, strerror(errno));
            free(path);
        }
    free(files);
}

//  Write all of data, going on after a short write; -1 with errno set by the write that failed.
static int s_write_all(int fd, const void *data, size_t length)
{
    const char *at = (const char *) data;
    while (length > 0) {
        ssize_t written = write(fd, at, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        at += written;
        length -= (size_t) written;
    }
    return 0;
}

//  Write one record (kind item or done) at the end of the journal; sync it when durable.
static int s_write_record(sq_spool_t *self, json_t *record, bool durable)
{
    char *payload = json_dumps(record, JSON_COMPACT);
    size_t length = strlen(payload);
    unsigned char header[S_HEADER_BYTES];
    uint32_t crc = (uint32_t) crc32(0L, (const Bytef *) payload, (uInt) length);
    memcpy(header, S_MAGIC, 4);
    for (int i = 0; i < 4; i++) {
        header[4 + i] = (unsigned char) (length >> (24 - 8 * i));
        header[8 + i] = (unsigned char) (crc >> (24 - 8 * i));
    }
    char *path = s_file_path(self, self->file);
    int rc = -1;
    if (s_write_all(self->fd, header, S_HEADER_BYTES) || s_write_all(self->fd, payload, length))
        s_fail(self, "cannot write", path);
    else if (durable && fdatasync(self->fd))
        s_fail(self, "cannot sync", path);
    else {
        self->file_bytes += S_HEADER_BYTES + (off_t) length;
        rc = 0;
    }
    if (rc) {
        //  A partial record must not stay in front of the next one: cut the file back.
        if (ftruncate(self->fd, self->file_bytes))
            sq_error("spool %s: cannot cut %s back after a failed write: %s", self->dir, path,
                     strerror(errno));
    }
    free(path);
    free(payload);
    return rc;
}

//  --------------------------------------------------------------------------
//  Public API

sq_spool_t *sq_spool_open(const char *dir, bool owner, char *error, size_t error_size)
{
    sq_spool_t *self = (sq_spool_t *) sq_alloc(sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->dir = sq_strdup(dir);
    self->owner = owner;
    self->lock_fd = -1;
    self->fd = -1;
    if (owner) {
        if (mkdir(dir, 0700) && errno != EEXIST) {
            snprintf(error, error_size, "cannot make the spool folder %s: %s", dir, strerror(errno));
            sq_spool_close(&self);
            return NULL;
        }
        char *lock_path = NULL;
        if (asprintf(&lock_path, "%s/lock", dir) < 0)
            abort();
        self->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        free(lock_path);
        if (self->lock_fd < 0 || flock(self->lock_fd, LOCK_EX | LOCK_NB)) {
            int why = errno;
            snprintf(error, error_size, "spool %s: %s", dir,
                     why == EWOULDBLOCK ? "another process owns it (is a second adapter running?)"
                                        : strerror(why));
            sq_spool_close(&self);
            return NULL;
        }
        char pid[32];
        int length = snprintf(pid, sizeof pid, "%d\n", (int) getpid());
        if (ftruncate(self->lock_fd, 0) || write(self->lock_fd, pid, (size_t) length) != length)
            sq_warn("spool %s: cannot write the owner's pid into its lock file", dir);
    }
    size_t count = 0;
    uint64_t *files = s_list_files(self, &count);
    if (!files) {
        snprintf(error, error_size, "%s", self->error);
        sq_spool_close(&self);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        bool whole = true;
        off_t good = s_read_file(self, files[i], &whole);
        if (!whole && owner) {
            char *path = s_file_path(self, files[i]);
            sq_warn("spool %s: %s ends in a torn or damaged record after byte %lld; cut there",
                    dir, path, (long long) good);
            if (truncate(path, good))
                sq_error("spool %s: cannot cut %s: %s", dir, path, strerror(errno));
            free(path);
        }
    }
    uint64_t next = count ? files[count - 1] + 1 : 1;
    free(files);
    if (owner) {
        if (s_begin_file(self, next)) {
            snprintf(error, error_size, "%s", self->error);
            sq_spool_close(&self);
            return NULL;
        }
        s_remove_spent_files(self);
        if (self->waiting)
            sq_info("spool %s: %zu work orders wait to be committed", dir, self->waiting);
    }
    return self;
}

void sq_spool_close(sq_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_spool_t *self = *self_p;
    while (self->first) {
        s_item_t *next = self->first->next;
        s_item_free(self->first);
        self->first = next;
    }
    if (self->fd >= 0)
        close(self->fd);
    if (self->lock_fd >= 0)
        close(self->lock_fd);   //  releases the lock
    pthread_mutex_destroy(&self->lock);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

int sq_spool_append(sq_spool_t *self, const char *receipt, json_t *envelope)
{
    assert(self->owner);
    pthread_mutex_lock(&self->lock);
    int rc = 0;
    if (!s_find(self, receipt, NULL)) {
        if (self->file_bytes > S_ROTATE_BYTES && s_begin_file(self, self->file + 1)) {
            pthread_mutex_unlock(&self->lock);
            sq_error("spool %s: %s", self->dir, self->error);
            return -1;
        }
        int64_t at = s_now();
        json_t *record = json_pack("{s:s, s:s, s:I, s:O}", "kind", "item", "receipt", receipt,
                                   "spooled_at", (json_int_t) at, "envelope", envelope);
        rc = s_write_record(self, record, true);
        json_decref(record);
        if (rc == 0)
            s_add(self, receipt, envelope, at, self->file);
        else
            sq_error("spool %s: %s", self->dir, self->error);
    }
    pthread_mutex_unlock(&self->lock);
    return rc;
}

int sq_spool_done(sq_spool_t *self, const char *receipt, const char *number, const char *reason)
{
    assert(self->owner);
    pthread_mutex_lock(&self->lock);
    json_t *record = json_pack("{s:s, s:s, s:s?, s:s?, s:I}", "kind", "done", "receipt", receipt,
                               "number", number, "reason", reason, "at", (json_int_t) s_now());
    //  Not synced: a mark lost in a crash only means one more (harmless) replay.
    int rc = s_write_record(self, record, false);
    json_decref(record);
    if (rc)
        sq_warn("spool %s: %s", self->dir, self->error);
    s_remove(self, receipt);
    if (self->waiting == 0 && self->file_bytes > 0)
        s_begin_file(self, self->file + 1);   //  nothing waits: start afresh
    s_remove_spent_files(self);
    pthread_mutex_unlock(&self->lock);
    return rc;
}

size_t sq_spool_waiting(sq_spool_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t waiting = self->waiting;
    pthread_mutex_unlock(&self->lock);
    return waiting;
}

json_t *sq_spool_oldest(sq_spool_t *self, char **receipt, int64_t *spooled_at)
{
    pthread_mutex_lock(&self->lock);
    json_t *envelope = NULL;
    if (self->first) {
        envelope = json_deep_copy(self->first->envelope);
        *receipt = sq_strdup(self->first->receipt);
        if (spooled_at)
            *spooled_at = self->first->spooled_at;
    }
    pthread_mutex_unlock(&self->lock);
    return envelope;
}

bool sq_spool_find(sq_spool_t *self, const char *receipt, int64_t *spooled_at)
{
    pthread_mutex_lock(&self->lock);
    s_item_t *item = s_find(self, receipt, NULL);
    if (item && spooled_at)
        *spooled_at = item->spooled_at;
    pthread_mutex_unlock(&self->lock);
    return item != NULL;
}

void sq_spool_set_status(sq_spool_t *self, const char *last_error)
{
    pthread_mutex_lock(&self->lock);
    if (last_error && *last_error) {
        snprintf(self->last_error, sizeof self->last_error, "%s", last_error);
        self->last_error_at = s_now();
    }
    json_t *status = json_pack("{s:i, s:I, s:I, s:s?, s:I, s:I}", "pid", (int) getpid(), "waiting",
                               (json_int_t) self->waiting, "oldest_at",
                               (json_int_t) (self->first ? self->first->spooled_at : 0),
                               "last_error", *self->last_error ? self->last_error : NULL,
                               "last_error_at", (json_int_t) self->last_error_at, "updated_at",
                               (json_int_t) s_now());
    char *path = NULL, *temporary = NULL;
    if (asprintf(&path, "%s/status.json", self->dir) < 0
        || asprintf(&temporary, "%s/status.json.%d", self->dir, (int) getpid()) < 0)
        abort();
    if (json_dump_file(status, temporary, JSON_COMPACT) || rename(temporary, path))
        sq_warn_limited("spool %s: cannot write %s: %s", self->dir, path, strerror(errno));
    json_decref(status);
    free(path);
    free(temporary);
    pthread_mutex_unlock(&self->lock);
}

const char *sq_spool_dir(sq_spool_t *self)
{
    return self->dir;
}

const char *sq_spool_error(sq_spool_t *self)
{
    return self->error;
}
