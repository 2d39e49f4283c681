// Thin on purpose: everything testable lives in ventanilla_core.
#include "app/app.hpp"

int main(int argc, char** argv) { return ventanilla::app::main(argc, argv); }
