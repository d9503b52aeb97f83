// with_extension: the main app pins api.pinscan-demo.example in its Info.plist
// (NSPinnedDomains, 2 CA identities) and does its networking through the embedded
// Net.framework (Frameworks/Net.framework), which also pins in code. The share
// extension (PlugIns/Share.appex) has its own Info.plist with NSAllowsArbitraryLoads.
// Nothing here is ever run; it only has to compile and link.
#import <UIKit/UIKit.h>
#import "Net.h"

@interface PSAppDelegate : UIResponder <UIApplicationDelegate>
@end

@implementation PSAppDelegate

- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions {
    [[PSNetClient sharedClient] fetch:@"https://api.pinscan-demo.example/v1/status"];
    return YES;
}

@end

int main(int argc, char *argv[]) {
    @autoreleasepool {
        return UIApplicationMain(argc, argv, nil, NSStringFromClass([PSAppDelegate class]));
    }
}
