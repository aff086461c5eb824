# Constants, lists, comparisons and conditionals are evaluated at compile
# time; only tensor operations reach the graph.
# RUN: pdec dump %s | FileCheck %s
# CHECK: %[[X:[0-9]+]] = input "x" : f32[6]
# CHECK-NEXT: %[[C:[0-9]+]] = const dense<[3.0]> : f32[]
# CHECK-NEXT: mul(%[[X]], %[[C]]) : f32[6]
# CHECK-NOT: relu
model m {
    const sizes = [2, 3] + [1] * 2
    const n = len(sizes)
    const k = sizes[-2] == 1 and not (n < 4) ? sizes[1] : 0
    input x : f32[sizes[0] * sizes[1]]
    if k > 5 {
        output y = relu(x)
    } else {
        output y = x * k
    }
}
