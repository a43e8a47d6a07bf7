# frozen_string_literal: true

# Put first on the load path, this makes `require "aws-sdk-kinesis"` fail as on a machine without the gem,
# whether or not this machine has it.
raise LoadError, "cannot load such file -- aws-sdk-kinesis"
