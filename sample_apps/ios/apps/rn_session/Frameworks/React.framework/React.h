// React.framework (rn_session): a stand-in for React Native's iOS core, with the one
// function an app calls to choose the NSURLSessionConfiguration behind fetch.
#import <Foundation/Foundation.h>

typedef NSURLSessionConfiguration *(*RCTSessionConfigurationProvider)(void);
void RCTSetCustomNSURLSessionConfigurationProvider(RCTSessionConfigurationProvider provider);
