# frozen_string_literal: true

# Planted on purpose: scripts/test-canary.sh runs this through the gem's runner (script/test with KJP_CANARY=1)
# and passes only if the failure below is reported and counted. Never part of a normal run.
require "minitest/autorun"

class CanaryTest < Minitest::Test
  def test_a_passing_test_is_counted
    assert_equal 2, 1 + 1
  end

  def test_a_failing_test_must_turn_the_run_red
    assert_equal "reported", "planted failure"
  end
end
