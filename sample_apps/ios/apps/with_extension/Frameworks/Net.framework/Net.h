// Net.framework (with_extension): the app's networking framework. Public interface.
#import <Foundation/Foundation.h>

@interface PSNetClient : NSObject
+ (instancetype)sharedClient;
- (void)fetch:(NSString *)url;
@end
