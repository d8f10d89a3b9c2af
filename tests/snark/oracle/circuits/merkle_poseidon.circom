pragma circom 2.0.0;

// Merkle membership written the way circomlib users write it (Semaphore, Tornado Cash style):
// per level a boolean check on the path bit, circomlib's Switcher to order the pair, and
// circomlib's Poseidon(2). Used only to count constraints against our MerkleRootGadget.
include "poseidon.circom";
include "switcher.circom";

template MerkleRootFromPath(depth) {
    signal input leaf;
    signal input index_bits[depth];
    signal input siblings[depth];
    signal output root;

    component order[depth];
    component hash[depth];
    signal node[depth + 1];
    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        index_bits[i] * (1 - index_bits[i]) === 0;
        order[i] = Switcher();
        order[i].sel <== index_bits[i];
        order[i].L <== node[i];
        order[i].R <== siblings[i];
        hash[i] = Poseidon(2);
        hash[i].inputs[0] <== order[i].outL;
        hash[i].inputs[1] <== order[i].outR;
        node[i + 1] <== hash[i].out;
    }
    root <== node[depth];
}
