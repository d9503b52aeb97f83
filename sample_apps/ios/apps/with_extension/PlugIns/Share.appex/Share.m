// Share.appex (with_extension): a share extension. Its own Info.plist switches ATS off
// (NSAllowsArbitraryLoads), which applies to the extension's process only, and it loads
// a plain-http URL. It has no main(): like every app extension it is linked with
// NSExtensionMain (Foundation) as its entry point. Nothing here is ever run.
#import <UIKit/UIKit.h>

@interface PSShareViewController : UIViewController
@end

@implementation PSShareViewController

- (void)viewDidLoad {
    [super viewDidLoad];
    NSURL *url = [NSURL URLWithString:@"http://share.pinscan-demo.example/upload"];
    [[[NSURLSession sharedSession] dataTaskWithURL:url] resume];
}

@end
