// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lib/base64: RFC 4648's vectors, every length and byte, strict decoding. */
#include <stdlib.h>
#include "test.h"
#include "lib/base64.h"

static void test_rfc4648_vectors(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char text[16];
	uint8_t bytes[16];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i][0]);

		ASSERT_EQ(b64_encoded_len(n), strlen(v[i][1]), v[i][1]);
		b64_encode(v[i][0], n, text);
		ASSERT_STREQ(text, v[i][1], "encode");
		ASSERT_EQ(b64_decode(v[i][1], strlen(v[i][1]), bytes), (long)n, v[i][1]);
		ASSERT_MEMEQ(bytes, v[i][0], n, "decode");
	}
}

/* Every byte value at every position of lengths 0..40 comes back as it went. */
static void test_round_trip(void)
{
	uint8_t in[300], out[300];
	char text[420];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(in); n += n < 40 ? 1 : 37) {
		long got;

		b64_encode(in, n, text);
		ASSERT_EQ(strlen(text), b64_encoded_len(n), "length");
		ASSERT_TRUE(b64_decoded_max(strlen(text)) >= n, "room");
		got = b64_decode(text, strlen(text), out);
		if (!ASSERT_EQ(got, (long)n, "decoded length"))
			return;
		ASSERT_MEMEQ(out, in, n, "same bytes");
	}
	/* All 256 values, and the alphabet's edges ('+' and '/'). */
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	b64_encode(in, 256, text);
	ASSERT_TRUE(strchr(text, '+') && strchr(text, '/'), "both specials used");
	ASSERT_EQ(b64_decode(text, strlen(text), out), 256, "256 bytes");
	ASSERT_MEMEQ(out, in, 256, "every value");
	b64_encode("\xfb\xff", 2, text);
	ASSERT_STREQ(text, "+/8=", "specials");
}

static void test_strict(void)
{
	static const char *const bad[] = {
		"Zg", "Zg=", "Zm9", "Z", "=", "====", "Zg==Zg==", "Zm=v", "Z===", "Zh==",
		"Zm9=", "Zm8 ", " Zm8", "Zm8\n", "Zm-_", "Zm8=\0", "Zm\x80v", "AA=A",
	};
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_ERR(b64_decode(bad[i], strlen(bad[i]) + (i == 15), out), -EINVAL, bad[i]);
	/* The canonical text of those bytes is fine. */
	ASSERT_EQ(b64_decode("Zg==", 4, out), 1, "Zg==");
	ASSERT_EQ(b64_decode("Zm8=", 4, out), 2, "Zm8=");
	ASSERT_EQ(b64_decode("AA==", 4, out), 1, "a NUL byte");
	ASSERT_EQ(out[0], 0, "is NUL");
	ASSERT_EQ(b64_decode("", 0, out), 0, "empty");
}

static struct test_case tests[] = {
	{ "RFC 4648 vectors", test_rfc4648_vectors },
	{ "round trip of every length and byte", test_round_trip },
	{ "only canonical text decodes", test_strict },
};

TEST_MAIN(tests)
