/*  sq_spool: the durable spool of one channel's adapter: work orders it accepted while the hub
    could not commit them, kept on local disk until they are.

    A spool is a folder (var/spool/<channel>/) of append-only journal files.  Each record is
    framed (magic, length, CRC-32) and holds JSON: an item (its receipt, the envelope, when it
    was spooled) or a done mark (the receipt and the work-order number the hub gave it).  An
    item is on disk, fdatasync'd, before sq_spool_append returns, so an adapter may answer
    "received" once it has returned 0; a torn record at the end of the last file (a crash in
    the middle of a write) is cut off when the spool is opened again.  When no item waits, the
    files are removed and a new one is begun; a file that grows past a few MB is closed and a
    new one begun, and a file none of whose items still waits is removed.

    The receipt is the item's key in its spool: the channel's external id, which with the
    channel is the complaint's idempotency key, so an item replayed twice is still one
    complaint, and a receipt still names its complaint once the spool has forgotten it.

    One process owns a spool (an exclusive lock on its folder); others may open it to read
    (suqiuctl spool).  The owner also keeps status.json beside the journal: its pid, how
    many wait, the oldest, the last error.  Thread-safe.
*/
#ifndef SQ_SPOOL_H
#define SQ_SPOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _sq_spool_t sq_spool_t;

//  Open (creating the folder when owning) the spool in dir.  owner: take the lock, repair a
//  torn tail, and allow writing; otherwise read only.  NULL with error filled when the folder
//  cannot be made or read, or another process owns it.
sq_spool_t *sq_spool_open(const char *dir, bool owner, char *error, size_t error_size);

//  Close and free; safe on NULL and twice.
void sq_spool_close(sq_spool_t **self_p);

//  Keep envelope (borrowed, copied) under receipt, durably.  Returns 0 once it is on disk (or
//  when that receipt waits already), -1 (logged; sq_spool_error says why) when it could not
//  be written: then nothing was kept, and the caller must not answer "received".
int sq_spool_append(sq_spool_t *self, const char *receipt, json_t *envelope);

//  Mark the item committed as number (or refused: number NULL and why in reason).  Returns 0,
//  or -1 when the mark could not be written (the item is then replayed again: harmless).
int sq_spool_done(sq_spool_t *self, const char *receipt, const char *number, const char *reason);

//  How many items wait.
size_t sq_spool_waiting(sq_spool_t *self);

//  The oldest waiting item: its envelope (the caller's), receipt (the caller's) and when it was
//  spooled.  NULL when none waits.
json_t *sq_spool_oldest(sq_spool_t *self, char **receipt, int64_t *spooled_at);

//  True when receipt waits; *spooled_at (may be NULL) says since when (epoch seconds).
bool sq_spool_find(sq_spool_t *self, const char *receipt, int64_t *spooled_at);

//  Record the last error of the replay ("" when the hub answered) and write status.json.
void sq_spool_set_status(sq_spool_t *self, const char *last_error);

//  The folder; borrowed.
const char *sq_spool_dir(sq_spool_t *self);

//  What went wrong last; borrowed until the next call.
const char *sq_spool_error(sq_spool_t *self);

#endif
