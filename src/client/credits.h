/* Credit and message-id accounting of one client connection
 * (MS-SMB2 3.2.4.1.5, 3.2.5.1.4).  Pure: no I/O, unit-tested. */
#ifndef DAX_CLIENT_CREDITS_H
#define DAX_CLIENT_CREDITS_H

#include <stdbool.h>
#include <stdint.h>

struct cl_credits {
	uint64_t next_mid;   /* next message id to use */
	uint32_t avail;      /* granted and not yet consumed */
	uint32_t in_flight;  /* charge of the requests awaiting a final reply */
	uint32_t target;     /* how many to keep granted */
	bool multi;          /* LARGE_MTU: CreditCharge in use (dialect > 2.0.2) */
};

void cl_credits_init(struct cl_credits *cr, uint32_t target);
/* CreditCharge of a READ/WRITE/... moving `payload` bytes: 1 per 64 KiB
 * started (0 bytes costs 1); 1 when multi-credit is off. */
uint16_t cl_credit_charge(const struct cl_credits *cr, uint32_t payload);
/* Consumes `charge` credits for a request (charge 0 is treated as 1);
 * sets the message id to use and the CreditRequest to send (the charge
 * plus what tops the total up to the target, at least 1).  Returns -1
 * and changes nothing when fewer than charge credits are available. */
int cl_credits_take(struct cl_credits *cr, uint16_t charge, uint64_t *mid, uint16_t *request);
/* A response granted `granted` credits.  `final` marks the final reply
 * of a request of charge `charge` (an interim STATUS_PENDING reply
 * grants credits but the request stays in flight). */
void cl_credits_grant(struct cl_credits *cr, uint16_t granted, uint16_t charge, bool final);
/* A request that will get no reply (CANCEL, or a send that failed):
 * forgets its charge. */
void cl_credits_forget(struct cl_credits *cr, uint16_t charge);

#endif
