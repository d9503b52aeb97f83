// ats_web_content: NSAllowsArbitraryLoadsInWebContent makes iOS 10+ ignore NSAllowsArbitraryLoads.
// Plain URLSession use with the system's default trust evaluation (no challenge
// handler). Nothing here is ever run; it only has to compile and link.
#import <UIKit/UIKit.h>

static NSString *const kURL = @"https://api.pinscan-demo.example/v1/status";

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [[[NSURLSession sharedSession] dataTaskWithURL:[NSURL URLWithString:kURL]] resume];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
