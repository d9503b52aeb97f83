/* pinscan minimal iOS SDK stand-in: UIKit (only what the samples use). */
#ifndef PINSCAN_UIKIT_H
#define PINSCAN_UIKIT_H

#include <Foundation/Foundation.h>

@class UIApplication;

@interface UIResponder : NSObject
@end

@interface UIViewController : UIResponder
- (void)viewDidLoad;
@end

@protocol UIApplicationDelegate <NSObject>
@optional
- (BOOL)application:(UIApplication *)application
    didFinishLaunchingWithOptions:(NSDictionary *)launchOptions;
@end

extern int UIApplicationMain(int argc, char *argv[], NSString *principalClassName,
                             NSString *delegateClassName);

#endif
