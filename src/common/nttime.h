/* Windows FILETIME (100 ns since 1601-01-01 UTC) conversions. */
#ifndef DAX_NTTIME_H
#define DAX_NTTIME_H

#include <stdint.h>
#include <time.h>

#define NTTIME_EPOCH_DELTA 11644473600ULL

static inline uint64_t nttime_from_timespec(const struct timespec *ts)
{
	if (ts->tv_sec < -(int64_t)NTTIME_EPOCH_DELTA)
		return 0;
	return ((uint64_t)(ts->tv_sec + (int64_t)NTTIME_EPOCH_DELTA)) * 10000000ULL +
	       (uint64_t)ts->tv_nsec / 100;
}

static inline struct timespec nttime_to_timespec(uint64_t nt)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(nt / 10000000ULL) - (time_t)NTTIME_EPOCH_DELTA;
	ts.tv_nsec = (long)(nt % 10000000ULL) * 100;
	return ts;
}

static inline uint64_t nttime_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return nttime_from_timespec(&ts);
}

#endif
