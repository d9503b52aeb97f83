/* pinscan minimal iOS SDK stand-in: Security.framework trust evaluation API
 * (only what the samples use). */
#ifndef PINSCAN_SECURITY_H
#define PINSCAN_SECURITY_H

#include <CoreFoundation/CoreFoundation.h>

typedef struct __SecTrust *SecTrustRef;
typedef struct __SecPolicy *SecPolicyRef;
typedef struct __SecCertificate *SecCertificateRef;
typedef struct __SecKey *SecKeyRef;
typedef unsigned int SecTrustResultType;

extern SecPolicyRef SecPolicyCreateSSL(Boolean server, CFStringRef hostname);
extern OSStatus SecTrustSetPolicies(SecTrustRef trust, CFTypeRef policies);
extern bool SecTrustEvaluateWithError(SecTrustRef trust, CFErrorRef *error);
extern OSStatus SecTrustEvaluate(SecTrustRef trust, SecTrustResultType *result);
extern OSStatus SecTrustSetAnchorCertificates(SecTrustRef trust, CFArrayRef anchorCertificates);
extern OSStatus SecTrustSetAnchorCertificatesOnly(SecTrustRef trust, Boolean anchorCertificatesOnly);
extern CFIndex SecTrustGetCertificateCount(SecTrustRef trust);
extern SecCertificateRef SecTrustGetCertificateAtIndex(SecTrustRef trust, CFIndex ix);
extern SecKeyRef SecTrustCopyKey(SecTrustRef trust);
extern CFDataRef SecCertificateCopyData(SecCertificateRef certificate);
extern SecKeyRef SecCertificateCopyKey(SecCertificateRef certificate);
extern SecCertificateRef SecCertificateCreateWithData(CFAllocatorRef allocator, CFDataRef data);
extern CFDataRef SecKeyCopyExternalRepresentation(SecKeyRef key, CFErrorRef *error);

#endif
