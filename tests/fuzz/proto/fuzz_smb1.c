/* libFuzzer: SMB1 NEGOTIATE recognition (MS-SMB2 3.3.5.3). */
#include <stddef.h>
#include <stdint.h>

#include "proto/smb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int wildcard = -1;
	int rc = smb1_negotiate_wants_smb2(data, size, &wildcard);
	if (rc < -1 || rc > 1 || (rc == 1 && wildcard != 0 && wildcard != 1))
		__builtin_trap();
	return 0;
}
