// trustkit_good: TrustKit pins api.pinscan-demo.example from Info.plist (TSKConfiguration);
// a stand-in TrustKit.framework is embedded and initialised from the plist at launch.
// Plain URLSession use with the system's default trust evaluation (no challenge
// handler). Nothing here is ever run; it only has to compile and link.
#import <UIKit/UIKit.h>
#import "TrustKit.h"

static NSString *const kURL = @"https://api.pinscan-demo.example/v1/status";

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [TrustKit initSharedInstanceWithConfiguration:nil];  // nil: read TSKConfiguration
    [[[NSURLSession sharedSession] dataTaskWithURL:[NSURL URLWithString:kURL]] resume];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
