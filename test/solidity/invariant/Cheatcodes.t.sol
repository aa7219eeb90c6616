// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "../utils/Vm.sol";
import {Test} from "../utils/Test.sol";

contract Emitter {
    event Ping(uint256 indexed id, uint256 value);

    error Nope();

    uint256 public stored;

    function ping(uint256 id, uint256 value) external {
        stored = value;
        emit Ping(id, value);
    }

    function fail() external pure {
        revert Nope();
    }
}

/// @notice Checks that every cheatcode appended to test/solidity/utils/Vm.sol for the invariant suite works under
///         Hardhat 3's Solidity test runner.
contract CheatcodesTest is Test {
    event Ping(uint256 indexed id, uint256 value);

    Emitter private emitter;

    function setUp() external {
        emitter = new Emitter();
    }

    function testNonceAndCreateAddress() external {
        uint64 nonce = vm.getNonce(address(this));
        address predicted = vm.computeCreateAddress(address(this), nonce);
        Emitter deployed = new Emitter();
        assertEq(uint160(address(deployed)), uint160(predicted), "computeCreateAddress");
        assertEq(vm.getNonce(address(this)), nonce + 1, "getNonce");
    }

    function testBlockGetters() external {
        vm.warp(1_750_000_123);
        vm.roll(20_000_456);
        assertEq(vm.getBlockTimestamp(), 1_750_000_123, "getBlockTimestamp");
        assertEq(vm.getBlockNumber(), 20_000_456, "getBlockNumber");
    }

    function testSnapshotAndRevert() external {
        emitter.ping(1, 5);
        uint256 snapshot = vm.snapshotState();
        emitter.ping(1, 9);
        assertEq(emitter.stored(), 9, "changed");
        assertTrue(vm.revertToState(snapshot), "revertToState");
        assertEq(emitter.stored(), 5, "restored");
    }

    function testStoreAndLoad() external {
        vm.store(address(emitter), bytes32(0), bytes32(uint256(42)));
        assertEq(emitter.stored(), 42, "store");
        assertEq(uint256(vm.load(address(emitter), bytes32(0))), 42, "load");
    }

    function testExpectEmitAndExpectRevertWithReverter() external {
        vm.expectEmit(true, false, false, true, address(emitter));
        emit Ping(7, 8);
        emitter.ping(7, 8);
        vm.expectEmit(true, false, false, true);
        emit Ping(3, 4);
        emitter.ping(3, 4);
        // The bytes4 form matches the whole revert data: an error without arguments.
        vm.expectRevert(Emitter.Nope.selector, address(emitter));
        emitter.fail();
    }

    function testGasMeteringAndLastCallGas() external {
        vm.pauseGasMetering();
        emitter.ping(1, 1);
        vm.resumeGasMetering();
        emitter.ping(2, 2);
        Vm.Gas memory gas = vm.lastCallGas();
        assertGt(gas.gasTotalUsed, 0, "lastCallGas");
    }

    function testRecordLogs() external {
        vm.recordLogs();
        emitter.ping(11, 12);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(uint160(logs[0].emitter), uint160(address(emitter)), "emitter");
        assertEq(uint256(logs[0].topics[1]), 11, "indexed id");
        assertEq(abi.decode(logs[0].data, (uint256)), 12, "value");
    }
}
