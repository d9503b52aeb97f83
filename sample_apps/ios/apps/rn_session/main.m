// rn_session: a React Native app's iOS side. The JavaScript (main.jsbundle) calls fetch;
// React Native sends it through an NSURLSession whose configuration this app provides
// (RCTSetCustomNSURLSessionConfigurationProvider). ATS, NSPinnedDomains included, governs
// that session whatever its configuration. Nothing here is ever run.
#import <UIKit/UIKit.h>
#import "React.h"

static NSURLSessionConfiguration *PSSessionConfiguration(void) {
    return [NSURLSessionConfiguration defaultSessionConfiguration];
}

int main(int argc, char *argv[]) {
    RCTSetCustomNSURLSessionConfigurationProvider(PSSessionConfiguration);
    return 0;
}
