// RUN: kred-opt --help | FileCheck %s

// kred-opt registers the kernelred dialect (and lists it in --help).
// CHECK: Available Dialects:
// CHECK-SAME: kernelred
