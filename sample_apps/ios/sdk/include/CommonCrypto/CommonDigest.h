/* pinscan minimal iOS SDK stand-in: CommonCrypto digests (libSystem re-exports them). */
#ifndef PINSCAN_COMMONDIGEST_H
#define PINSCAN_COMMONDIGEST_H

typedef unsigned int CC_LONG;
#define CC_SHA256_DIGEST_LENGTH 32
extern unsigned char *CC_SHA256(const void *data, CC_LONG len, unsigned char *md);

#endif
