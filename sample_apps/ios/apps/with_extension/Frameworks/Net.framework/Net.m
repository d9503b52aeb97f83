// Net.framework (with_extension): an embedded framework that pins in code, TrustKit
// style. Its challenge handler evaluates the trust (SecTrustEvaluateWithError), then
// hashes the SubjectPublicKeyInfo of every certificate in the chain (SecCertificateCopyKey
// + SecKeyCopyExternalRepresentation + the ASN.1 SPKI header, CC_SHA256) and accepts the
// connection only if one hash is in kPins (the intermediate CA and the backup key of
// pki/pins.json, the same pins as the app's NSPinnedDomains). Built as a dylib with
// install name @rpath/Net.framework/Net. Nothing here is ever run.
#import "Net.h"
#import <Security/Security.h>
#import <CommonCrypto/CommonDigest.h>

// DER prefixes that turn SecKeyCopyExternalRepresentation's output into an SPKI.
static const unsigned char kRSA2048SPKIHeader[] = {
    0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
    0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00};
static const unsigned char kECP256SPKIHeader[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

static NSString *const kPinnedHost = @"api.pinscan-demo.example";

@interface PSNetPinningDelegate : NSObject <NSURLSessionDelegate>
@property (nonatomic, strong) NSArray *pins;
@end

@implementation PSNetPinningDelegate

- (instancetype)init {
    if ((self = [super init])) {
        _pins = @[ @"aYVvMu6cLVONXBC/V7QL8VpaKkkSC6oH+jWRBRFOC4U=",
                   @"rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng=" ];
    }
    return self;
}

static NSString *PSSPKIHash(SecCertificateRef certificate) {
    SecKeyRef key = SecCertificateCopyKey(certificate);
    if (key == NULL) {
        return nil;
    }
    CFDataRef raw = SecKeyCopyExternalRepresentation(key, NULL);
    CFRelease(key);
    if (raw == NULL) {
        return nil;
    }
    unsigned char spki[600];
    CFIndex length = CFDataGetLength(raw);
    const unsigned char *header = length == 65 ? kECP256SPKIHeader : kRSA2048SPKIHeader;
    size_t headerLength = length == 65 ? sizeof(kECP256SPKIHeader) : sizeof(kRSA2048SPKIHeader);
    NSString *result = nil;
    if (headerLength + (size_t)length <= sizeof(spki)) {
        __builtin_memcpy(spki, header, headerLength);
        __builtin_memcpy(spki + headerLength, CFDataGetBytePtr(raw), (size_t)length);
        unsigned char digest[CC_SHA256_DIGEST_LENGTH];
        CC_SHA256(spki, (CC_LONG)(headerLength + (size_t)length), digest);
        result = [[NSData dataWithBytes:digest length:sizeof(digest)]
            base64EncodedStringWithOptions:0];
    }
    CFRelease(raw);
    return result;
}

- (void)URLSession:(NSURLSession *)session
    didReceiveChallenge:(NSURLAuthenticationChallenge *)challenge
      completionHandler:(void (^)(NSURLSessionAuthChallengeDisposition,
                                  NSURLCredential *))completionHandler {
    NSURLProtectionSpace *space = challenge.protectionSpace;
    if (![space.authenticationMethod isEqualToString:NSURLAuthenticationMethodServerTrust] ||
        ![space.host hasSuffix:kPinnedHost]) {
        completionHandler(NSURLSessionAuthChallengePerformDefaultHandling, nil);
        return;
    }
    SecTrustRef trust = space.serverTrust;
    if (SecTrustEvaluateWithError(trust, NULL)) {
        CFIndex count = SecTrustGetCertificateCount(trust);
        for (CFIndex i = 0; i < count; i++) {
            NSString *hash = PSSPKIHash(SecTrustGetCertificateAtIndex(trust, i));
            if (hash != nil && [self.pins containsObject:hash]) {
                completionHandler(NSURLSessionAuthChallengeUseCredential,
                                  [NSURLCredential credentialForTrust:trust]);
                return;
            }
        }
    }
    completionHandler(NSURLSessionAuthChallengeCancelAuthenticationChallenge, nil);
}

@end

@interface PSNetClient ()
@property (nonatomic, strong) NSURLSession *session;
@end

@implementation PSNetClient

+ (instancetype)sharedClient {
    static PSNetClient *shared;
    if (shared == nil) {
        shared = [[PSNetClient alloc] init];
    }
    return shared;
}

- (instancetype)init {
    if ((self = [super init])) {
        _session = [NSURLSession
            sessionWithConfiguration:[NSURLSessionConfiguration defaultSessionConfiguration]
                            delegate:[[PSNetPinningDelegate alloc] init]
                       delegateQueue:nil];
    }
    return self;
}

- (void)fetch:(NSString *)url {
    [[self.session dataTaskWithURL:[NSURL URLWithString:url]] resume];
}

@end
