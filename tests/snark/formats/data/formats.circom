pragma circom 2.0.0;

// A tiny circuit for the file-format fixtures: two products, a constant, a negative
// coefficient (-1 becomes r - 1, a full-width field element), one public input and two outputs.
template Formats() {
    signal input a;
    signal input b;
    signal input c;
    signal output out;
    signal output d;
    signal t;
    t <== a * b;
    out <== t * c + 7;
    d <== (a - b) * (a + 2 * b);
}

component main {public [c]} = Formats();
