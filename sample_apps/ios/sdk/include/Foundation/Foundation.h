/* pinscan minimal iOS SDK stand-in: Foundation (only what the samples use).
 * Not Apple's header: just enough declarations for clang to compile the sample
 * sources for arm64-apple-ios14.0 / x86_64-apple-ios14.0-simulator. */
#ifndef PINSCAN_FOUNDATION_H
#define PINSCAN_FOUNDATION_H

#include <objc/objc.h>
#include <CoreFoundation/CoreFoundation.h>
#include <Security/Security.h>

@class NSString, NSData, NSURL, NSDictionary, NSArray, NSError, NSOperationQueue;
@class NSURLSession, NSURLSessionConfiguration, NSURLSessionDataTask, NSURLCredential;
@class NSURLAuthenticationChallenge, NSURLProtectionSpace, NSBundle;

@protocol NSObject
- (BOOL)isEqual:(id)object;
- (Class)class;
- (BOOL)respondsToSelector:(SEL)aSelector;
@end

__attribute__((objc_root_class))
@interface NSObject <NSObject> {
    Class isa;
}
+ (void)load;
+ (instancetype)alloc;
+ (instancetype)new;
+ (Class)class;
- (instancetype)init;
- (id)performSelector:(SEL)aSelector;
@end

@interface NSString : NSObject
+ (instancetype)stringWithUTF8String:(const char *)nullTerminatedCString;
- (NSUInteger)length;
- (BOOL)isEqualToString:(NSString *)aString;
- (BOOL)hasSuffix:(NSString *)str;
@end

@interface NSData : NSObject
+ (instancetype)dataWithContentsOfFile:(NSString *)path;
+ (instancetype)dataWithBytes:(const void *)bytes length:(NSUInteger)length;
- (NSUInteger)length;
- (const void *)bytes;
- (BOOL)isEqualToData:(NSData *)other;
- (NSString *)base64EncodedStringWithOptions:(NSUInteger)options;
@end

@interface NSArray : NSObject
+ (instancetype)arrayWithObjects:(const id[])objects count:(NSUInteger)cnt;
- (NSUInteger)count;
- (BOOL)containsObject:(id)anObject;
@end

@interface NSDictionary : NSObject
@end

@interface NSURL : NSObject
+ (instancetype)URLWithString:(NSString *)URLString;
- (NSString *)host;
@end

@interface NSBundle : NSObject
+ (NSBundle *)mainBundle;
- (NSString *)pathForResource:(NSString *)name ofType:(NSString *)ext inDirectory:(NSString *)subpath;
@end

@interface NSURLRequest : NSObject
+ (instancetype)requestWithURL:(NSURL *)URL;
@end

@interface NSURLProtectionSpace : NSObject
- (NSString *)host;
- (NSString *)authenticationMethod;
- (SecTrustRef)serverTrust;
@end

@interface NSURLAuthenticationChallenge : NSObject
- (NSURLProtectionSpace *)protectionSpace;
@end

@interface NSURLCredential : NSObject
+ (NSURLCredential *)credentialForTrust:(SecTrustRef)trust;
@end

typedef NSInteger NSURLSessionAuthChallengeDisposition;
enum {
    NSURLSessionAuthChallengeUseCredential = 0,
    NSURLSessionAuthChallengePerformDefaultHandling = 1,
    NSURLSessionAuthChallengeCancelAuthenticationChallenge = 2,
    NSURLSessionAuthChallengeRejectProtectionSpace = 3,
};

extern NSString *const NSURLAuthenticationMethodServerTrust;

@protocol NSURLSessionDelegate <NSObject>
@optional
- (void)URLSession:(NSURLSession *)session
    didReceiveChallenge:(NSURLAuthenticationChallenge *)challenge
      completionHandler:(void (^)(NSURLSessionAuthChallengeDisposition disposition,
                                  NSURLCredential *credential))completionHandler;
@end

@protocol NSURLSessionTaskDelegate <NSURLSessionDelegate>
@end

@interface NSURLSessionConfiguration : NSObject
+ (NSURLSessionConfiguration *)defaultSessionConfiguration;
@end

@interface NSURLSessionTask : NSObject
- (void)resume;
@end

@interface NSURLSessionDataTask : NSURLSessionTask
@end

@interface NSURLSession : NSObject
+ (NSURLSession *)sharedSession;
+ (NSURLSession *)sessionWithConfiguration:(NSURLSessionConfiguration *)configuration
                                  delegate:(id<NSURLSessionDelegate>)delegate
                             delegateQueue:(NSOperationQueue *)queue;
- (NSURLSessionDataTask *)dataTaskWithURL:(NSURL *)url;
- (NSURLSessionDataTask *)dataTaskWithRequest:(NSURLRequest *)request;
@end

extern NSString *NSStringFromClass(Class aClass);
extern void NSLog(NSString *format, ...);

#endif
