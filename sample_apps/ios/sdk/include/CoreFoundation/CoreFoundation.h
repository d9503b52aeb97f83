/* pinscan minimal iOS SDK stand-in: CoreFoundation (only what the samples use). */
#ifndef PINSCAN_COREFOUNDATION_H
#define PINSCAN_COREFOUNDATION_H

#include <stdbool.h>   /* clang's own header */

typedef unsigned char Boolean;
typedef unsigned char UInt8;
typedef long CFIndex;
typedef int OSStatus;
typedef const void *CFTypeRef;
typedef const struct __CFString *CFStringRef;
typedef const struct __CFData *CFDataRef;
typedef const struct __CFArray *CFArrayRef;
typedef struct __CFError *CFErrorRef;
typedef const struct __CFAllocator *CFAllocatorRef;
typedef const struct __CFDictionary *CFDictionaryRef;

extern void CFRelease(CFTypeRef cf);
extern CFIndex CFDataGetLength(CFDataRef theData);
extern const UInt8 *CFDataGetBytePtr(CFDataRef theData);
extern Boolean CFEqual(CFTypeRef cf1, CFTypeRef cf2);

#endif
