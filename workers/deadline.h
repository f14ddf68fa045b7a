/*  deadline: the deadline watch.  Every worker.deadline_watch_ms it raises what is due, from
    PostgreSQL alone (deadline_sweep in sql/005_deadline_alerts.sql): a reminder to the
    department desk (黄灯) once worker.remind_percent of a stage's time has passed, and at the
    deadline the overdue flag (红灯) with an escalation to the supervisors (督办).  Each alert
    is raised once and recorded as an event; several workers may watch at once.
*/
#ifndef DEADLINE_H
#define DEADLINE_H

#include "sq_db.h"

//  The prepared statements the watch needs; add them to the process's table.
extern const sq_db_statement_t deadline_statements[];

//  Raise everything due now.  Returns how many alerts were raised, or -1 (logged) on a
//  database error.
int deadline_watch_run(sq_db_t *db);

#endif
