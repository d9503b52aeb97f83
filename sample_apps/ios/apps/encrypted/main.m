// encrypted: the same sources as ats_pinned. build.py marks the linked binary as
// FairPlay-encrypted (LC_ENCRYPTION_INFO_64 cryptid 1) and scrambles the encrypted
// range, because build.json says "encrypt": true.
//
// As in ats_pinned: the pins are in Info.plist (NSPinnedDomains); the challenge handler
// below still evaluates the trust properly (SecTrustEvaluateWithError with an SSL
// policy for the host) and additionally requires the bundled issuing CA
// (certs/issuing_ca.der) somewhere in the chain. Nothing here is ever run.
#import <UIKit/UIKit.h>
#import <Security/Security.h>

static NSString *const kAPIURL = @"https://api.pinscan-demo.example/v1/status";

@interface PSPinnedSessionDelegate : NSObject <NSURLSessionDelegate>
@property (nonatomic, strong) NSData *issuingCA;
@end

@implementation PSPinnedSessionDelegate

- (instancetype)init {
    if ((self = [super init])) {
        NSString *path = [[NSBundle mainBundle] pathForResource:@"issuing_ca"
                                                         ofType:@"der"
                                                    inDirectory:@"certs"];
        _issuingCA = [NSData dataWithContentsOfFile:path];
    }
    return self;
}

- (BOOL)chainContainsIssuingCA:(SecTrustRef)trust {
    CFIndex count = SecTrustGetCertificateCount(trust);
    for (CFIndex i = 0; i < count; i++) {
        CFDataRef der = SecCertificateCopyData(SecTrustGetCertificateAtIndex(trust, i));
        BOOL same = [(__bridge NSData *)der isEqualToData:self.issuingCA];
        CFRelease(der);
        if (same) {
            return YES;
        }
    }
    return NO;
}

- (void)URLSession:(NSURLSession *)session
    didReceiveChallenge:(NSURLAuthenticationChallenge *)challenge
      completionHandler:(void (^)(NSURLSessionAuthChallengeDisposition,
                                  NSURLCredential *))completionHandler {
    NSURLProtectionSpace *space = challenge.protectionSpace;
    if (![space.authenticationMethod isEqualToString:NSURLAuthenticationMethodServerTrust]) {
        completionHandler(NSURLSessionAuthChallengePerformDefaultHandling, nil);
        return;
    }
    SecTrustRef trust = space.serverTrust;
    SecPolicyRef policy = SecPolicyCreateSSL(true, (__bridge CFStringRef)space.host);
    SecTrustSetPolicies(trust, policy);
    CFRelease(policy);
    CFErrorRef error = NULL;
    if (SecTrustEvaluateWithError(trust, &error) && [self chainContainsIssuingCA:trust]) {
        completionHandler(NSURLSessionAuthChallengeUseCredential,
                          [NSURLCredential credentialForTrust:trust]);
    } else {
        if (error) {
            CFRelease(error);
        }
        completionHandler(NSURLSessionAuthChallengeCancelAuthenticationChallenge, nil);
    }
}

@end

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@property (nonatomic, strong) NSURLSession *session;
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    self.session = [NSURLSession
        sessionWithConfiguration:[NSURLSessionConfiguration defaultSessionConfiguration]
                        delegate:[[PSPinnedSessionDelegate alloc] init]
                   delegateQueue:nil];
    [[self.session dataTaskWithURL:[NSURL URLWithString:kAPIURL]] resume];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
