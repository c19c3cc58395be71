/* Credit and message-id accounting (MS-SMB2 3.2.4.1.5, 3.2.5.1.4). */
#include "client/credits.h"

#define CREDIT_UNIT 65536u
#define MAX_REQUEST 8192u /* never ask for more than a server would keep */

void cl_credits_init(struct cl_credits *cr, uint32_t target)
{
	cr->next_mid = 0;
	cr->avail = 1; /* the NEGOTIATE may always be sent */
	cr->in_flight = 0;
	cr->target = target ? target : 256;
	cr->multi = false;
}

uint16_t cl_credit_charge(const struct cl_credits *cr, uint32_t payload)
{
	if (!cr->multi || payload == 0)
		return 1;
	uint32_t n = 1 + (payload - 1) / CREDIT_UNIT;
	return n > 0xFFFFu ? 0xFFFFu : (uint16_t)n;
}

int cl_credits_take(struct cl_credits *cr, uint16_t charge, uint64_t *mid, uint16_t *request)
{
	if (charge == 0)
		charge = 1;
	if (cr->avail < charge)
		return -1;
	cr->avail -= charge;
	cr->in_flight += charge;
	*mid = cr->next_mid;
	cr->next_mid += charge;
	/* After the reply, the total (granted + in flight) loses `charge`
	 * and gains what is granted: ask for the charge plus the gap to the
	 * target, so the total settles at the target. */
	uint64_t total = (uint64_t)cr->avail + cr->in_flight;
	uint64_t want = charge;
	if (total < cr->target)
		want += cr->target - total;
	if (want > MAX_REQUEST)
		want = MAX_REQUEST;
	*request = (uint16_t)want;
	return 0;
}

void cl_credits_grant(struct cl_credits *cr, uint16_t granted, uint16_t charge, bool final)
{
	if (charge == 0)
		charge = 1;
	cr->avail += granted;
	if (final)
		cl_credits_forget(cr, charge);
}

void cl_credits_forget(struct cl_credits *cr, uint16_t charge)
{
	if (charge == 0)
		charge = 1;
	cr->in_flight = cr->in_flight > charge ? cr->in_flight - charge : 0;
}
