/*  sq_date: whether a year, month and day name a real date of the Gregorian calendar.
    Callers add their own range of years.
*/
#ifndef SQ_DATE_H
#define SQ_DATE_H

#include <stdbool.h>

//  True when month is 1-12 and day exists in that month of that year (29 February only in
//  leap years).
bool sq_date_valid(int year, int month, int day);

#endif
