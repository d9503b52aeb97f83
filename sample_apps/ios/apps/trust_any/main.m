// trust_any: no pinning, and three ways of accepting any server certificate.
//  1. PSTrustAnySessionDelegate answers every server-trust challenge with
//     NSURLSessionAuthChallengeUseCredential + [NSURLCredential credentialForTrust:]
//     without evaluating the trust (no SecTrustEvaluate* call anywhere in the binary).
//  2. The private class method +[NSURLRequest setAllowsAnyHTTPSCertificate:forHost:].
//  3. AFSecurityPolicy (a stand-in for a statically linked AFNetworking) with
//     AFSSLPinningModeNone, allowInvalidCertificates = YES, validatesDomainName = NO.
// Nothing here is ever run; it only has to compile and link.
#import <UIKit/UIKit.h>

static NSString *const kHost = @"api.pinscan-demo.example";
static NSString *const kURL = @"https://api.pinscan-demo.example/v1/status";

// --- 1. challenge handler that trusts anything ---------------------------------------

@interface PSTrustAnySessionDelegate : NSObject <NSURLSessionDelegate>
@end

@implementation PSTrustAnySessionDelegate

- (void)URLSession:(NSURLSession *)session
    didReceiveChallenge:(NSURLAuthenticationChallenge *)challenge
      completionHandler:(void (^)(NSURLSessionAuthChallengeDisposition,
                                  NSURLCredential *))completionHandler {
    SecTrustRef trust = challenge.protectionSpace.serverTrust;
    completionHandler(NSURLSessionAuthChallengeUseCredential,
                      [NSURLCredential credentialForTrust:trust]);
}

@end

// --- 2. the private NSURLRequest API ---------------------------------------------------

@interface NSURLRequest (PSPrivate)
+ (void)setAllowsAnyHTTPSCertificate:(BOOL)allow forHost:(NSString *)host;
@end

// --- 3. AFNetworking's AFSecurityPolicy (stand-in, same selectors) ---------------------

typedef NSUInteger AFSSLPinningMode;
enum {
    AFSSLPinningModeNone = 0,
    AFSSLPinningModePublicKey = 1,
    AFSSLPinningModeCertificate = 2,
};

@interface AFSecurityPolicy : NSObject
@property (readonly, nonatomic, assign) AFSSLPinningMode SSLPinningMode;
@property (nonatomic, strong) NSArray *pinnedCertificates;
@property (nonatomic, assign) BOOL allowInvalidCertificates;
@property (nonatomic, assign) BOOL validatesDomainName;
+ (instancetype)defaultPolicy;
+ (instancetype)policyWithPinningMode:(AFSSLPinningMode)pinningMode;
@end

@interface AFSecurityPolicy ()
@property (readwrite, nonatomic, assign) AFSSLPinningMode SSLPinningMode;
@end

@implementation AFSecurityPolicy

+ (instancetype)defaultPolicy {
    return [self policyWithPinningMode:AFSSLPinningModeNone];
}

+ (instancetype)policyWithPinningMode:(AFSSLPinningMode)pinningMode {
    AFSecurityPolicy *policy = [[self alloc] init];
    policy.SSLPinningMode = pinningMode;
    policy.validatesDomainName = YES;
    return policy;
}

@end

// --- the app ---------------------------------------------------------------------------

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@property (nonatomic, strong) NSURLSession *session;
@property (nonatomic, strong) AFSecurityPolicy *securityPolicy;
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [NSURLRequest setAllowsAnyHTTPSCertificate:YES forHost:kHost];

    AFSecurityPolicy *policy = [AFSecurityPolicy policyWithPinningMode:AFSSLPinningModeNone];
    [policy setAllowInvalidCertificates:YES];
    [policy setValidatesDomainName:NO];
    self.securityPolicy = policy;

    self.session = [NSURLSession
        sessionWithConfiguration:[NSURLSessionConfiguration defaultSessionConfiguration]
                        delegate:[[PSTrustAnySessionDelegate alloc] init]
                   delegateQueue:nil];
    [[self.session dataTaskWithURL:[NSURL URLWithString:kURL]] resume];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
