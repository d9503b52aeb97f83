/* pinscan minimal iOS SDK stand-in: the Objective-C basics.
 * Written for pinscan's sample IPAs only; declares just what the sample sources use.
 * The real runtime lives in /usr/lib/libobjc.A.dylib (see ../../lib/libobjc.tbd). */
#ifndef PINSCAN_OBJC_H
#define PINSCAN_OBJC_H

#include <stdbool.h>   /* clang's own headers */
#include <stddef.h>

#if defined(__arm64__) || defined(__aarch64__)
typedef bool BOOL;          /* OBJC_BOOL_IS_BOOL on arm64 */
#else
typedef signed char BOOL;   /* x86_64 (simulator) */
#endif
#define YES __objc_yes
#define NO __objc_no

#ifndef nil
#define nil ((id)0)
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

typedef long NSInteger;
typedef unsigned long NSUInteger;

#endif
