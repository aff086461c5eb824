# Arguments by position or keyword; defaults fill the rest.
# RUN: pdec dump %s | FileCheck %s
# CHECK: conv2d(%0, %{{[0-9]+}}) {stride = [2, 2], padding = [1, 1], dilation = [1, 1], groups = 1} : f32[1,4,4,2]
# CHECK: maxpool2d(%0) {kernel = [2, 2], stride = [2, 2], padding = [0, 0]} : f32[1,4,4,3]
model m {
    input x : f32[1, 8, 8, 3]
    layer conv = conv2d(3, 2, k = 3, padding = 1, stride = 2)
    output y = conv(x)
    output p = maxpool2d(x, kernel = 2)
}
