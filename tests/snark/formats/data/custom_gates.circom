pragma circom 2.1.0;
// A PLONK custom gate: circom writes r1cs sections 4 and 5, which our Groth16 reader must refuse.
pragma custom_templates;

template custom CMul() {
    signal input a;
    signal input b;
    signal output c;
    c <-- a * b;
}

template Main() {
    signal input a;
    signal input b;
    signal output c;
    component m = CMul();
    m.a <== a;
    m.b <== b;
    c <== m.c;
}

component main = Main();
