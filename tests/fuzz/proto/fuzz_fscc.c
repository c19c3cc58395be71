/* libFuzzer: SET_INFO inputs (EA list, rename, basic, fixed values). */
#include <stddef.h>
#include <stdint.h>

#include "proto/fscc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fscc_ea eas[FSCC_MAX_EAS], eas2[FSCC_MAX_EAS];
	struct fscc_rename_info ri;
	struct fscc_basic_info bi;
	size_t n, n2;
	uint64_t u64;
	uint32_t u32;
	uint8_t u8;

	if (!out.max)
		buf_init(&out, 1 << 20);
	if (fscc_decode_ea_list(data, size, eas, FSCC_MAX_EAS, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (eas[i].name < data || eas[i].name + eas[i].name_len > data + size)
				__builtin_trap();
			if (eas[i].value_len && eas[i].value + eas[i].value_len > data + size)
				__builtin_trap();
		}
		buf_reset(&out);
		fscc_encode_ea_list(&out, eas, n);
		if (buf_ok(&out) && (fscc_decode_ea_list(out.p, out.len, eas2, FSCC_MAX_EAS, &n2) != 0 ||
				     n2 != n))
			__builtin_trap();
	}
	if (fscc_decode_rename_info(data, size, &ri) == 0) {
		if (ri.name_len > size)
			__builtin_trap();
		buf_reset(&out);
		fscc_encode_rename_info(&out, &ri);
	}
	if (fscc_decode_basic_info(data, size, &bi) == 0) {
		buf_reset(&out);
		fscc_encode_basic_info(&out, &bi);
	}
	(void)fscc_decode_u64_info(data, size, &u64);
	(void)fscc_decode_u32_info(data, size, &u32);
	(void)fscc_decode_u8_info(data, size, &u8);
	return 0;
}
