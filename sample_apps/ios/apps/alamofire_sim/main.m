// alamofire_sim: stands in for a Swift app that links Alamofire 5 statically and
// configures
//     ServerTrustManager(evaluators: [
//         "api.pinscan-demo.example":    PinnedCertificatesTrustEvaluator(),
//         "legacy.pinscan-demo.example": DisabledTrustEvaluator(),
//     ])
// The Swift type metadata (symbols and names) comes from swift_types.s; this file
// references those symbols by their mangled names (__asm__ labels) and has C versions
// of what the evaluators call in Security.framework. The pinned certificate is bundled
// at the .app's root as pinscan_issuing_ca.cer, where Alamofire's
// Bundle.main.af.certificates looks. Built as a fat binary (arm64 + x86_64 simulator),
// see build.json. Nothing here is ever run; it only has to compile and link.
#import <UIKit/UIKit.h>
#import <Security/Security.h>

extern const unsigned char PinnedCertificatesTrustEvaluatorDescriptor[]
    __asm__("_$s9Alamofire32PinnedCertificatesTrustEvaluatorCMn");
extern const unsigned char PublicKeysTrustEvaluatorDescriptor[]
    __asm__("_$s9Alamofire24PublicKeysTrustEvaluatorCMn");
extern const unsigned char DisabledTrustEvaluatorDescriptor[]
    __asm__("_$s9Alamofire22DisabledTrustEvaluatorCMn");
extern const unsigned char ServerTrustManagerDescriptor[]
    __asm__("_$s9Alamofire18ServerTrustManagerCMn");

struct PSEvaluatorEntry {
    const char *host;
    const unsigned char *evaluator;
};

// The ServerTrustManager's evaluators dictionary.
const struct PSEvaluatorEntry PSServerTrustEvaluators[] = {
    {"api.pinscan-demo.example", PinnedCertificatesTrustEvaluatorDescriptor},
    {"legacy.pinscan-demo.example", DisabledTrustEvaluatorDescriptor},
};
const unsigned char *const PSServerTrustManager = ServerTrustManagerDescriptor;

// PinnedCertificatesTrustEvaluator.evaluate(_:forHost:): the bundled certificates become
// the only anchors, then default evaluation with an SSL policy for the host, then the
// chain must contain one of the pinned certificates.
bool PSEvaluatePinnedCertificates(SecTrustRef trust, CFStringRef host, CFArrayRef anchors,
                                  CFDataRef pinnedDER) {
    SecTrustSetAnchorCertificates(trust, anchors);
    SecTrustSetAnchorCertificatesOnly(trust, true);
    SecPolicyRef policy = SecPolicyCreateSSL(true, host);
    SecTrustSetPolicies(trust, policy);
    CFRelease(policy);
    if (!SecTrustEvaluateWithError(trust, NULL)) {
        return false;
    }
    for (CFIndex i = 0; i < SecTrustGetCertificateCount(trust); i++) {
        CFDataRef der = SecCertificateCopyData(SecTrustGetCertificateAtIndex(trust, i));
        bool same = CFEqual(der, pinnedDER);
        CFRelease(der);
        if (same) {
            return true;
        }
    }
    return false;
}

// PublicKeysTrustEvaluator.evaluate(_:forHost:) (only the key extraction part).
bool PSEvaluatePublicKeys(SecTrustRef trust, CFDataRef pinnedKey) {
    if (!SecTrustEvaluateWithError(trust, NULL)) {
        return false;
    }
    SecKeyRef key = SecTrustCopyKey(trust);
    CFDataRef data = SecKeyCopyExternalRepresentation(key, NULL);
    bool same = CFEqual(data, pinnedKey);
    CFRelease(data);
    CFRelease(key);
    return same;
}

// DisabledTrustEvaluator.evaluate(_:forHost:) does nothing: every certificate passes.
bool PSEvaluateDisabled(SecTrustRef trust, CFStringRef host) {
    (void)trust;
    (void)host;
    return true;
}

const void *const PSEvaluatorFunctions[] = {
    (const void *)PSEvaluatePinnedCertificates, PublicKeysTrustEvaluatorDescriptor,
    (const void *)PSEvaluatePublicKeys, (const void *)PSEvaluateDisabled,
};

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [[[NSURLSession sharedSession]
        dataTaskWithURL:[NSURL URLWithString:@"https://api.pinscan-demo.example/v1/status"]]
        resume];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
