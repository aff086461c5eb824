/* main.c — an application using the MLP compiled to C with its weights
 * inside the code:
 *
 *   pdec compile examples/mlp/mlp.pde --target c --embed-weights -o gen
 *   cc -O2 -Igen examples/mlp/main.c gen/mlp.c -lfftw3f -lm -o mlp
 *   ./mlp        # prints the class scores of a synthetic image
 *
 * Nothing to load at run time: create copies the embedded weights and
 * allocates the arena; run never allocates.
 */
#include <stdio.h>

#include "mlp.h"

int main(void) {
    static float image[mlp_INPUT0_SIZE], scores[mlp_OUTPUT0_SIZE];
    const float *inputs[] = {image};
    float *outputs[] = {scores};
    char err[256];
    mlp_model *model = mlp_create(NULL, err, sizeof err);
    int i, best = 0;
    if (!model) {
        fprintf(stderr, "mlp: %s\n", err);
        return 1;
    }
    for (i = 0; i < mlp_INPUT0_SIZE; i++) image[i] = (float)(i % 28) / 28.0f; /* a ramp */
    mlp_run(model, inputs, outputs);
    for (i = 0; i < mlp_OUTPUT0_SIZE; i++) {
        printf("class %d: %+.5f\n", i, scores[i]);
        if (scores[i] > scores[best]) best = i;
    }
    printf("best class: %d\n", best);
    mlp_destroy(model);
    return 0;
}
